"""Issue 19, point 1, on the figures beyond counts and intervals: far arrivals, joint response and camera
coverage never answer a bare 0. With nothing found the answer says why in the caller's language (live data
only; how many live incidents the period holds; the other origin; the caller's districts, never counting
outside them); with something found the explanation is null."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.analytics.domain import Origin
from kuzet.analytics.explain import LiveFigure, coverage_explanation, live_only_explanation
from kuzet.container import Services
from kuzet.core.actor import Actor, ActorKind
from kuzet.core.clock import to_local
from tests.analytics.test_analyst_scope import analyst_of
from tests.analytics.test_api import work
from tests.interagency.handover_fixtures import register
from tests.interagency.test_handovers import hand_over
from tests.ops import Centre, Desk

ARRIVALS = "/api/v1/analytics/far-arrivals"
JOINT = "/api/v1/analytics/joint-response"
COVERAGE = "/api/v1/analytics/cctv-coverage"
LIVE_EMPTY = "Nothing found among live data."
REGION = Actor(ActorKind.USER, "region-analyst", role="analyst")
TWO_DISTRICTS = Actor(ActorKind.USER, "analyst", role="analyst", district="north", also_districts=("south",))
SCOPE_EN = "Your scope is the districts {}; other districts are not counted."


def ask(http: httpx.Client, headers: dict[str, str], path: str, language: str, **params: str) -> Any:
    response = http.get(path, params=params, headers={**headers, "Accept-Language": language})
    assert response.status_code == 200, response.text
    return response.json()


def why(desk: Desk, path: str, language: str = "en", **params: str) -> str | None:
    explanation: str | None = ask(desk.http, desk.headers, path, language, **params)["explanation"]
    return explanation


def import_incidents(services: Services, *districts: str) -> None:
    """Imported incidents received now, one per district given (as `kuzet import-cad` leaves them)."""
    now = services.clock.now()
    with services.engine.begin() as conn:
        key = conn.execute(
            insert(cad_imports).values(
                file_name="old.csv",
                file_sha256="1" * 64,
                mapping_name="old",
                started_at=now,
                finished_at=now,
                rows_read=len(districts),
                rows_imported=len(districts),
                rows_rejected=0,
                duplicates=0,
                report={},
                imported_by="test",
            )
        ).inserted_primary_key
        assert key is not None
        for i, district in enumerate(districts):
            conn.execute(
                insert(imported_incidents).values(
                    import_id=key[0], number=f"OLD-{i}", district=district, received_at=now, stamps={}
                )
            )


# Pure logic: which sentences are said, and when none is.


def test_a_live_only_figure_says_so_and_tells_a_quiet_period_from_one_without_the_figure() -> None:
    quiet = live_only_explanation(LiveFigure.HANDOVERS, 0, live_incidents=0, by=REGION, locale="en")
    assert quiet == (
        f"{LIVE_EMPTY} Hand-overs to 101, 103, 104 and 112 are made from live incidents only; imported "
        "exports carry none. No live incident matches the period and filters."
    )
    busy = live_only_explanation(LiveFigure.ARRIVALS, 0, live_incidents=3, by=TWO_DISTRICTS, locale="en")
    assert busy is not None
    assert "3 live incidents match the period and filters, but no arrival on scene does." in busy
    assert busy.endswith(SCOPE_EN.format("north, south"))
    assert live_only_explanation(LiveFigure.ARRIVALS, 1, live_incidents=3, by=REGION, locale="en") is None


def test_russian_picks_the_form_that_agrees_with_the_number() -> None:
    said = {
        n: live_only_explanation(LiveFigure.HANDOVERS, 0, live_incidents=n, by=REGION, locale="ru")
        for n in (1, 3, 5)
    }
    assert "Под период и фильтры подходит 1 оперативное происшествие" in str(said[1])
    assert "подходят 3 оперативных происшествия" in str(said[3])
    assert "подходят 5 оперативных происшествий" in str(said[5])


@pytest.mark.parametrize(
    ("origin", "counts", "expected"),
    [
        (Origin.LIVE, (0, 0, 0), [LIVE_EMPTY, "No live or imported data matches these dates and filters."]),
        (Origin.LIVE, (2, 0, 0), ["2 live incidents match but have no point to check against the cameras."]),
        (
            Origin.LIVE,
            (0, 0, 4),
            [
                LIVE_EMPTY,
                "4 imported incidents match, but imported incidents carry no point: coverage is measured "
                "on live incidents only.",
            ],
        ),
        (
            Origin.IMPORTED,
            (0, 1, 5),
            [
                "1 imported incident matches, but imported incidents carry no point: coverage is measured "
                "on live incidents only.",
                "5 live incidents match: add origin=live.",
            ],
        ),
        (
            Origin.IMPORTED,
            (0, 0, 2),
            ["Nothing found among imported data.", "2 live incidents match: add origin=live."],
        ),
    ],
)
def test_empty_coverage_says_what_matched_without_a_point_and_what_the_other_origin_holds(
    origin: Origin, counts: tuple[int, int, int], expected: list[str]
) -> None:
    live_without_point, imported, other = counts
    said = coverage_explanation(
        0,
        origin=origin,
        live_without_point=live_without_point,
        imported=imported,
        other=other,
        by=REGION,
        locale="en",
    )
    assert said == " ".join(expected)
    found = coverage_explanation(
        1, origin=origin, live_without_point=2, imported=0, other=3, by=REGION, locale="en"
    )
    assert found is None


# Over real HTTP, on the real database.


def test_far_arrivals_explain_an_empty_period_and_are_silent_with_arrivals(centre: Centre) -> None:
    sup = centre.supervisor  # region-wide
    assert ask(sup.http, sup.headers, ARRIVALS, "en")["arrivals"] == 0
    assert why(sup, ARRIVALS) == (
        f"{LIVE_EMPTY} Arrivals on scene and their GPS checks are recorded for live incidents only; "
        "imported exports carry none. No live incident matches the period and filters."
    )
    sup.call(district="central")  # an incident, no unit arrived yet
    assert str(why(sup, ARRIVALS)).endswith(
        "1 live incident matches the period and filters, but no arrival on scene does."
    )
    russian = why(sup, ARRIVALS, "ru")
    assert russian is not None and russian.startswith("В оперативных данных ничего не найдено.")
    assert "подходит 1 оперативное происшествие" in russian

    work(centre, "Беркут-1", 6, district="central")
    body = ask(sup.http, sup.headers, ARRIVALS, "en")
    assert (body["arrivals"], body["explanation"]) == (1, None)
    assert why(sup, ARRIVALS, "ru") is None


def test_far_arrivals_of_a_district_analyst_count_only_their_districts(centre: Centre) -> None:
    work(centre, "Беркут-2", 6, district="central")  # arrived, outside the analyst's districts
    headers = analyst_of(centre, "outskirts", "north", "south")
    body = ask(centre.admin.http, headers, ARRIVALS, "en")
    assert body["arrivals"] == 0
    assert body["explanation"] == (
        f"{LIVE_EMPTY} Arrivals on scene and their GPS checks are recorded for live incidents only; "
        "imported exports carry none. No live incident matches the period and filters. "
        + SCOPE_EN.format("north, south")
    )
    centre.supervisor.call(district="north")
    again = ask(centre.admin.http, headers, ARRIVALS, "en", district="north")["explanation"]
    assert "1 live incident matches the period and filters, but no arrival on scene does." in again


def test_joint_response_explains_no_hand_over_and_is_silent_with_one(
    centre: Centre, services: Services
) -> None:
    sup = centre.supervisor
    empty = ask(sup.http, sup.headers, JOINT, "en")
    assert empty["by_agency"] == []
    assert empty["explanation"] == (
        f"{LIVE_EMPTY} Hand-overs to 101, 103, 104 and 112 are made from live incidents only; imported "
        "exports carry none. No live incident matches the period and filters."
    )
    incident = centre.call_taker.call(category_code="stabbing")["incident"]
    centre.call_taker.call(category_code="fight")
    assert str(why(sup, JOINT, category="stabbing")).endswith(
        "1 live incident matches the period and filters, but no hand-over does."
    )
    assert "2 live incidents match the period and filters" in str(why(sup, JOINT))
    russian = why(sup, JOINT, "ru")
    assert russian is not None and "Передачи в 101, 103, 104 и 112" in russian

    register(services, "ambulance_103")
    hand_over(centre, int(incident["id"]))
    found = ask(sup.http, sup.headers, JOINT, "en")
    assert [(r["agency"], r["requested"]) for r in found["by_agency"]] == [("ambulance_103", 1)]
    assert found["explanation"] is None and why(sup, JOINT, "ru") is None
    # a filter that leaves the hand-over out explains again
    assert why(sup, JOINT, category="fight") is not None


def test_joint_response_of_a_district_analyst_counts_only_their_districts(centre: Centre) -> None:
    centre.supervisor.call(district="central", category_code="stabbing")
    headers = analyst_of(centre, "outskirts", "north", "south")
    said = ask(centre.admin.http, headers, JOINT, "en")["explanation"]
    assert "No live incident matches the period and filters." in said
    assert said.endswith(SCOPE_EN.format("north, south"))


def test_cctv_coverage_explains_an_empty_origin_and_is_silent_with_incidents(
    centre: Centre, services: Services
) -> None:
    services.settings.buildings_file.unlink(missing_ok=True)
    sup = centre.supervisor
    assert why(sup, COVERAGE) == (f"{LIVE_EMPTY} No live or imported data matches these dates and filters.")
    import_incidents(services, "central", "north")
    imported_note = (
        "2 imported incidents match, but imported incidents carry no point: coverage is measured on live "
        "incidents only."
    )
    assert why(sup, COVERAGE) == f"{LIVE_EMPTY} {imported_note}"
    assert why(sup, COVERAGE, origin="imported") == imported_note
    russian = why(sup, COVERAGE, "ru", origin="imported")
    assert russian is not None and russian.startswith("Подходят 2 импортированных происшествия")

    sup.call(district="central")  # at the plaza: a point
    body = ask(sup.http, sup.headers, COVERAGE, "en")
    assert (body["total"]["incidents"], body["explanation"]) == (1, None)
    assert why(sup, COVERAGE, "ru", origin="all") is None
    assert (
        why(sup, COVERAGE, origin="imported") == f"{imported_note} 1 live incident matches: add origin=live."
    )


def test_cctv_coverage_of_a_district_analyst_counts_only_their_district(
    centre: Centre, services: Services
) -> None:
    services.settings.buildings_file.unlink(missing_ok=True)
    import_incidents(services, "central", "north", "north")
    centre.supervisor.call(district="north")
    analyst = centre.analyst  # of the central district
    today = to_local(services.clock.now()).date()
    said = why(analyst, COVERAGE, to=date.isoformat(today))
    assert said == (
        f"{LIVE_EMPTY} 1 imported incident matches, but imported incidents carry no point: coverage is "
        "measured on live incidents only. " + SCOPE_EN.format("central")
    )
