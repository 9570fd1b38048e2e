"""Why an analytics answer is empty: an empty live answer says how many imported incidents the same filters
match (and the other way round), and a caller tied to districts is reminded of their scope. Never counts
outside the caller's scope: that the scoped query found nothing is all it says of other districts.

The figures only live incidents give (far arrivals, joint response) say so, and whether the period has live
incidents at all; camera coverage, which needs an incident's point, names what matched without one."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Final, Protocol

from kuzet.analytics.domain import CountReport, Measure, Origin, Query
from kuzet.core.actor import Actor
from kuzet.core.i18n import N_, NP_, translate, translate_plural

NOTHING: Final = {
    Origin.LIVE: N_("Nothing found among live data."),
    Origin.IMPORTED: N_("Nothing found among imported data."),
    Origin.ALL: N_("Nothing found among live and imported data."),
}
OTHER_ORIGIN: Final = {
    (Measure.INCIDENTS, Origin.IMPORTED): NP_(
        "{n} imported incident matches: add origin=imported.",
        "{n} imported incidents match: add origin=imported.",
    ),
    (Measure.INCIDENTS, Origin.LIVE): NP_(
        "{n} live incident matches: add origin=live.", "{n} live incidents match: add origin=live."
    ),
    (Measure.APPEALS, Origin.IMPORTED): NP_(
        "{n} imported appeal matches: add origin=imported.",
        "{n} imported appeals match: add origin=imported.",
    ),
    (Measure.APPEALS, Origin.LIVE): NP_(
        "{n} live appeal matches: add origin=live.", "{n} live appeals match: add origin=live."
    ),
}
NEITHER_ORIGIN: Final = N_("No live or imported data matches these dates and filters.")
SCOPE: Final = N_("Your scope is the districts {districts}; other districts are not counted.")


class Counter(Protocol):
    def counts(self, query: Query, measure: Measure = Measure.INCIDENTS) -> CountReport: ...


def _scope(said: list[str], by: Actor, locale: str) -> str:
    if not by.region_wide:
        said.append(translate(SCOPE, locale, districts=", ".join(by.districts)))
    return " ".join(said)


def explanation(
    analytics: Counter,
    query: Query,
    found: int,
    *,
    by: Actor,
    locale: str,
    measure: Measure = Measure.INCIDENTS,
) -> str | None:
    """A sentence or three in `locale` when `found` is 0, else None. `query` is already in the caller's
    scope, so the count of the other origin is within it too."""
    if found:
        return None
    said = [translate(NOTHING[query.origin], locale)]
    if query.origin is Origin.ALL:
        said.append(translate(NEITHER_ORIGIN, locale))
    else:
        other = Origin.IMPORTED if query.origin is Origin.LIVE else Origin.LIVE
        moved = replace(query, origin=other, group_by=())
        n = analytics.counts(moved, measure).total
        if n:
            said.append(translate_plural(OTHER_ORIGIN[(measure, other)], n, locale))
        else:
            said.append(translate(NEITHER_ORIGIN, locale))
    return _scope(said, by, locale)


class LiveFigure(StrEnum):
    """A figure that only live incidents can give: an imported export carries none of its facts."""

    ARRIVALS = "arrivals"
    HANDOVERS = "handovers"


LIVE_ONLY: Final = {
    LiveFigure.ARRIVALS: N_(
        "Arrivals on scene and their GPS checks are recorded for live incidents only; imported exports "
        "carry none."
    ),
    LiveFigure.HANDOVERS: N_(
        "Hand-overs to 101, 103, 104 and 112 are made from live incidents only; imported exports carry none."
    ),
}
LIVE_BUT_NONE: Final = {
    LiveFigure.ARRIVALS: NP_(
        "{n} live incident matches the period and filters, but no arrival on scene does.",
        "{n} live incidents match the period and filters, but no arrival on scene does.",
    ),
    LiveFigure.HANDOVERS: NP_(
        "{n} live incident matches the period and filters, but no hand-over does.",
        "{n} live incidents match the period and filters, but no hand-over does.",
    ),
}
NO_LIVE_INCIDENT: Final = N_("No live incident matches the period and filters.")
LIVE_WITHOUT_POINT: Final = NP_(
    "{n} live incident matches but has no point to check against the cameras.",
    "{n} live incidents match but have no point to check against the cameras.",
)
IMPORTED_WITHOUT_POINT: Final = NP_(
    "{n} imported incident matches, but imported incidents carry no point: coverage is measured on live "
    "incidents only.",
    "{n} imported incidents match, but imported incidents carry no point: coverage is measured on live "
    "incidents only.",
)


def live_only_explanation(
    figure: LiveFigure, found: int, *, live_incidents: int, by: Actor, locale: str
) -> str | None:
    """Why a live-only figure (far arrivals, joint response) found nothing, in `locale`; None when `found`.
    `live_incidents` is how many live incidents the same period and filters hold in the caller's scope: it
    tells a quiet period from one whose incidents had no arrival or hand-over."""
    if found:
        return None
    said = [translate(NOTHING[Origin.LIVE], locale), translate(LIVE_ONLY[figure], locale)]
    if live_incidents:
        said.append(translate_plural(LIVE_BUT_NONE[figure], live_incidents, locale))
    else:
        said.append(translate(NO_LIVE_INCIDENT, locale))
    return _scope(said, by, locale)


def coverage_explanation(
    found: int,
    *,
    origin: Origin,
    live_without_point: int,
    imported: int,
    other: int,
    by: Actor,
    locale: str,
) -> str | None:
    """Why camera coverage has no incident to measure, in `locale`; None when `found` (incidents with a
    point). `live_without_point` and `imported` are the incidents of the searched origin left out for having
    no point; `other` is how many incidents the other origin holds for the same selection (0 for all). Every
    count is already in the caller's scope."""
    if found:
        return None
    said = [] if live_without_point or imported else [translate(NOTHING[origin], locale)]
    if live_without_point:
        said.append(translate_plural(LIVE_WITHOUT_POINT, live_without_point, locale))
    if imported:
        said.append(translate_plural(IMPORTED_WITHOUT_POINT, imported, locale))
    if other and origin is Origin.LIVE:  # imported ones: they would carry no point either
        said.append(translate_plural(IMPORTED_WITHOUT_POINT, other, locale))
    elif other:
        said.append(translate_plural(OTHER_ORIGIN[(Measure.INCIDENTS, Origin.LIVE)], other, locale))
    if not (live_without_point or imported or other):
        said.append(translate(NEITHER_ORIGIN, locale))
    return _scope(said, by, locale)
