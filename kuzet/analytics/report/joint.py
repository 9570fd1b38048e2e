"""The report's section "Joint response with other services": its lines made from the joint-response figures,
and its words and tables in the report's language, for every output (HTML, PDF, XLSX)."""

from __future__ import annotations

from collections.abc import Mapping

from kuzet.analytics.joint import Basis, JointReport, JointRow
from kuzet.analytics.report import text as words
from kuzet.analytics.report.model import JointFigures, JointLine, JointSection
from kuzet.core.i18n import N_

HEADINGS = {
    "joint": N_("Joint response with other services"),
    "joint_intervals": N_("Joint response: intervals from our request"),
}
NOTES = {
    Basis.AGENCY.value: N_(
        "Intervals run from our request to the service's step, by the service's own clock; an interval that "
        "comes out negative (its clock behind ours) is left out and counted. Late: acknowledged after the "
        "service's deadline, by the time we received it."
    ),
    Basis.RECEIVED.value: N_(
        "Intervals run from our request to our receipt of the service's step (our clock). Late: acknowledged "
        "after the service's deadline, by the time we received it."
    ),
}
NONE = N_("No hand-overs to other services in the period.")
COLUMNS = {
    "agency": N_("Service"),
    "category": N_("Category"),
    "requested": N_("Requested"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "unanswered": N_("Never acknowledged"),
    "late": N_("Acknowledged late"),
    "cancelled": N_("Cancelled"),
}
ALL_CATEGORIES = N_("All categories")
INTERVALS = {
    "acknowledged": N_("Request → acknowledgement"),
    "dispatched": N_("Request → dispatched"),
    "on_scene": N_("Request → on scene"),
}
COUNTED = ("requested", "accepted", "rejected", "unanswered", "late", "cancelled")


def heading(key: str, locale: str) -> str:
    return words.t(HEADINGS[key], locale)


def note(section: JointSection, locale: str) -> str:
    return words.t(NOTES[section.basis] if section.lines else NONE, locale)


def column(key: str, locale: str) -> str:
    return words.t(COLUMNS[key], locale)


def interval_name(code: str, locale: str) -> str:
    return words.t(INTERVALS[code], locale) if code in INTERVALS else code


def category_name(line: JointLine, locale: str) -> str:
    return line.category or words.t(ALL_CATEGORIES, locale)


def section(
    report: JointReport,
    *,
    agency_names: Mapping[str, Mapping[str, str]],
    categories: Mapping[str, str],
    locale: str,
) -> JointSection:
    """Each agency's line, then a line per category of its hand-overs; names in the report's language."""

    def agency(code: str) -> str:
        names = agency_names.get(code, {})
        return names.get(locale) or names.get("ru") or code

    def line(row: JointRow) -> JointLine:
        return JointLine(
            agency=agency(row.agency),
            category="" if row.category is None else categories.get(row.category, row.category),
            requested=row.requested,
            accepted=row.accepted,
            rejected=row.rejected,
            unanswered=row.unanswered,
            late=row.late,
            cancelled=row.cancelled,
            intervals=[
                JointFigures(name, s.n, s.median, s.p90, s.mean, s.negative)
                for name, s in row.intervals.items()
            ],
        )

    lines = []
    for total in report.by_agency:
        lines.append(line(total))
        lines.extend(line(r) for r in report.by_category if r.agency == total.agency)
    return JointSection(report.basis.value, lines)


def count_cells(section: JointSection, locale: str) -> words.Cells:
    header = [column(k, locale) for k in ("agency", "category", *COUNTED)]
    rows = [
        [line.agency, category_name(line, locale), *(words.number(getattr(line, k), locale) for k in COUNTED)]
        for line in section.lines
    ]
    return header, rows


def interval_header(locale: str, *, minutes: bool = False) -> list[str]:
    durations = [
        words.minutes_column(k, locale) if minutes else words.column(k, locale)
        for k in ("median", "p90", "mean")
    ]
    return [
        column("agency", locale),
        column("category", locale),
        words.column("interval", locale),
        words.column("n", locale),
        *durations,
        words.column("negative", locale),
    ]


def interval_cells(section: JointSection, locale: str) -> words.Cells:
    """A line per agency (and category) and interval: N, durations as m:ss, the negative ones left out."""
    rows = [
        [
            line.agency,
            category_name(line, locale),
            interval_name(f.interval, locale),
            words.number(f.n, locale),
            *(words.clock(v) for v in (f.median_s, f.p90_s, f.mean_s)),
            words.number(f.excluded_negative, locale),
        ]
        for line in section.lines
        for f in line.intervals
    ]
    return interval_header(locale), rows
