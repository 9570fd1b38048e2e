"""What the generators make, without a server: appeals a call-taker and a partner app would send, callers'
details, movement along a route, and a simulated unit that loses a race with a person in the console."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from kuzet.appeals.iin import parse_iin
from kuzet.appeals.phones import PhoneKind, parse_phone
from kuzet.appeals.schemas import AppealIn
from kuzet.demo import callers
from kuzet.demo.desk import Refused
from kuzet.demo.fleet import Fleet, Job, SimUnit
from kuzet.demo.motion import Drive, SimClock, metres
from kuzet.demo.places import Place, Places
from kuzet.demo.traffic import AppealMaker, Kind
from kuzet.incidents.catalogue import shipped_categories
from kuzet.incidents.domain import Disposition
from kuzet.partners.schemas import PartnerAppealIn

TODAY = date(2026, 11, 30)
PLACE = Place(42.5063, 1.5218, "Avinguda Meritxell 20, Andorra la Vella", "central")
KINDS = {c.code: Kind(c.code, c.group.value) for c in shipped_categories()}


def test_callers_have_kazakh_mobiles_valid_iins_and_names() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        phone = parse_phone(callers.mobile_phone(rng))
        assert phone.kind is PhoneKind.MOBILE and phone.e164.startswith("+77")
        assert parse_iin(callers.iin(rng, today=TODAY), today=TODAY).born_on.year <= TODAY.year - 18
        first, surname = callers.person_name(rng).split()
        assert first[0].isupper() and surname[0].isupper()


def test_the_category_mix_favours_common_appeals() -> None:
    rng = np.random.default_rng(2)
    maker = AppealMaker(rng, KINDS)
    drawn = [maker.kind().code for _ in range(5000)]
    assert drawn.count("disturbance_neighbours") > 10 * drawn.count("bomb_threat") + 100
    assert set(drawn) <= set(callers.CATEGORY_WEIGHTS) and len(set(drawn)) > 20


def test_a_102_call_is_what_the_api_accepts() -> None:
    maker = AppealMaker(np.random.default_rng(4), KINDS)
    kind = KINDS["fight"]
    body = maker.call_102(PLACE, kind, maker.text(kind, repeat=False), link_to=17)
    appeal = AppealIn.model_validate(body)
    assert appeal.incident_id == 17 and appeal.district == "central" and appeal.text
    assert (appeal.lat, appeal.lon) == (PLACE.lat, PLACE.lon)


def test_a_partner_appeal_is_what_the_gateway_accepts() -> None:
    maker = AppealMaker(np.random.default_rng(5), KINDS)
    kind = KINDS["theft"]
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)
    body = maker.partner_appeal(PLACE, kind, maker.text(kind, repeat=False), verified=True, at=at)
    appeal = PartnerAppealIn.model_validate(body)
    assert appeal.citizen.iin and appeal.location is not None and appeal.category == "theft"
    parse_iin(appeal.citizen.iin, today=TODAY)


def test_texts_are_russian_or_kazakh_and_repeat_calls_say_so() -> None:
    maker = AppealMaker(np.random.default_rng(6), KINDS)
    kind = KINDS["noise"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in maker.text(kind, repeat=False))
    assert maker.text(kind, repeat=True) in callers.REPEAT_TEXTS


def test_a_repeat_caller_stands_within_metres_of_the_first() -> None:
    rng = np.random.default_rng(8)
    for _ in range(100):
        near = Places.near(rng, PLACE, 50.0)
        assert metres((PLACE.lat, PLACE.lon), (near.lat, near.lon)) <= 51.0 and near.district == "central"


def test_every_group_ends_with_a_known_disposition() -> None:
    rng = np.random.default_rng(9)
    for group in callers.DISPOSITIONS:
        assert isinstance(callers.disposition(rng, group, 2), Disposition)
    no_unit = {callers.disposition(rng, "admin", 4) for _ in range(50)}
    assert no_unit <= set(callers.NO_DISPATCH_DISPOSITIONS)


def test_a_drive_follows_its_route_at_a_steady_pace() -> None:
    start = datetime(2026, 11, 30, 12, tzinfo=UTC)
    route = [(42.5000, 1.5000), (42.5000, 1.5100), (42.5090, 1.5100)]  # east ~820 m, then north ~1 km
    drive = Drive.along(route, start, 120.0)
    assert drive.metres == pytest.approx(820 + 1000, rel=0.02)
    (lat, lon), heading = drive.at(start + timedelta(seconds=30))  # a quarter: on the first leg, going east
    assert lat == pytest.approx(42.5) and 1.5 < lon < 1.51 and heading == pytest.approx(90, abs=1)
    assert metres(route[0], (lat, lon)) == pytest.approx(drive.metres / 4, rel=0.01)
    (lat, lon), heading = drive.at(start + timedelta(seconds=90))  # three quarters: going north
    assert lon == pytest.approx(1.51) and 42.5 < lat < 42.509 and heading == pytest.approx(0, abs=1)
    assert drive.at(start - timedelta(seconds=5))[0] == route[0]
    end = start + timedelta(seconds=120)
    assert drive.at(end + timedelta(seconds=300))[0] == route[-1] and drive.done(end)
    assert drive.speed_kmh == pytest.approx(drive.metres / 120 * 3.6)


def test_demo_time_runs_faster_by_the_speedup() -> None:
    ticks = iter([100.0, 100.0, 106.0])
    clock = SimClock(10.0, start=datetime(2026, 11, 30, tzinfo=UTC), monotonic=lambda: next(ticks))
    assert clock.now() == datetime(2026, 11, 30, tzinfo=UTC)
    assert clock.now() == datetime(2026, 11, 30, 0, 1, tzinfo=UTC)
    assert clock.real_seconds(60) == 6.0


class _SlowDesk:
    """A dispatcher desk where a person in the console has just cleared the unit's assignment."""

    district = "central"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        self.calls.append(("POST", path))
        raise Refused(409, "POST", path, "An assignment in status cleared cannot move to acknowledged.")

    def get(self, path: str, **params: Any) -> Any:
        raise AssertionError("not expected")


def test_a_unit_that_loses_a_race_with_a_person_is_skipped_not_crashed() -> None:
    desk = _SlowDesk()
    fleet = Fleet(dispatchers={"central": desk}, rng=np.random.default_rng(1))  # type: ignore[dict-item]
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    unit = SimUnit(5, "Беркут-1", "patrol_car", "central", "dispatched", position=(42.5, 1.52))
    unit.job = Job(41, 9, "central", 2, "violence", "assigned", now)
    fleet.units[unit.id] = unit
    fleet.work(now + timedelta(seconds=1))
    assert desk.calls == [("POST", "/api/v1/assignments/41/status")]
    assert unit.job is None and fleet.steps["dropped (refused)"] == 1
