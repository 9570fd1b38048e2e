"""One simulated past year: closed incidents with appeals of both channels and units' stamps, numbered so that
live numbering goes on after them."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, Table, func, select

from kuzet.appeals import service as appeals_service
from kuzet.appeals.domain import AppealInput, Region
from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.clock import to_local
from kuzet.core.numbering import counters
from kuzet.demo.history import HISTORY_MARK, load_history
from kuzet.demo.world import World
from kuzet.dispatch.store import assignments
from kuzet.incidents.store import incidents

COUNT = 1500


def _rows(services: Services, table: Table) -> list[Row[Any]]:
    with services.engine.connect() as connection:
        return list(connection.execute(select(table)).all())


def _districts(services: Services) -> tuple[str, ...]:
    districts = services.geo.districts
    assert districts is not None
    return districts.codes


def test_a_year_of_closed_incidents_loads_once(world: World, services: Services) -> None:
    loaded = load_history(services, incidents=COUNT)
    assert (loaded.incidents, loaded.skipped) == (COUNT, None)
    again = load_history(services, incidents=COUNT)
    assert (again.incidents, again.skipped) == (0, "already loaded")
    assert load_history(services, incidents=0).skipped == "turned off"
    rows = _rows(services, incidents)
    assert len(rows) == COUNT and {r.status for r in rows} == {"closed"}
    assert all(r.disposition for r in rows)
    today = to_local(services.clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    assert max(r.closed_at for r in rows) < today
    assert min(r.received_at for r in rows) > today - timedelta(days=366)
    assert {r.district for r in rows} == set(_districts(services))
    assert {1, 2, 3, 4} <= {r.priority for r in rows}


def test_stamps_run_in_order_with_a_few_missing_or_odd_as_in_real_data(
    world: World, services: Services
) -> None:
    load_history(services, incidents=COUNT)
    rows = _rows(services, incidents)
    dispatched = [r for r in rows if r.first_dispatched_at is not None]
    assert len(dispatched) > 0.9 * COUNT
    for r in rows:
        present = [
            s
            for s in (r.received_at, r.first_dispatched_at, r.first_on_scene_at, r.cleared_at, r.closed_at)
            if s
        ]
        assert present == sorted(present), r.number
    odd = [
        r for r in dispatched
        if r.first_en_route_at is None
        or r.first_on_scene_at is None
        or not r.first_dispatched_at <= r.first_en_route_at <= r.first_on_scene_at
    ]  # fmt: skip
    assert 0 < len(odd) < 0.05 * len(dispatched)
    response = [
        (r.first_on_scene_at - r.received_at).total_seconds() / 60 for r in rows if r.first_on_scene_at
    ]
    assert 4 <= statistics.median(response) <= 9  # minutes, received to first on scene
    units = _rows(services, assignments)
    assert {a.status for a in units} == {"cleared"} and not any(a.active for a in units)
    assert all(a.assigned_at <= a.cleared_at for a in units)
    assert {a.incident_id for a in units} == {r.id for r in dispatched}


def test_appeals_come_by_102_and_the_four_partner_apps(world: World, services: Services) -> None:
    load_history(services, incidents=COUNT)
    rows = _rows(services, appeals)
    assert len(rows) > COUNT and {r.created_by for r in rows} == {HISTORY_MARK}
    channels = Counter(r.channel for r in rows)
    assert 0.62 < channels["phone_102"] / len(rows) < 0.78
    partners = Counter(r.partner for r in rows if r.channel == "partner_app")
    assert set(partners) == {"police102", "egov", "kaspi", "halyk"}
    assert partners.most_common(1)[0][0] == "kaspi"
    assert all(r.partner is None for r in rows if r.channel == "phone_102")
    assert all(r.caller_phone.startswith("+77") for r in rows)


def test_numbers_are_unique_and_live_numbering_goes_on_after_them(world: World, services: Services) -> None:
    load_history(services, incidents=COUNT)
    numbers = [r.number for r in _rows(services, incidents)] + [r.number for r in _rows(services, appeals)]
    assert len(numbers) == len(set(numbers))
    last = {(c.series, c.year): c.last for c in _rows(services, counters)}
    with services.engine.connect() as connection:
        for series, year in last:
            table = incidents if series == "INC" else appeals
            prefix = f"{series}-{year}-"
            used = connection.execute(
                select(func.count()).where(table.c.number.like(prefix + "%"))
            ).scalar_one()
            assert used == last[(series, year)]
    now = services.clock.now()
    done = appeals_service.register(
        services.uow(),
        data=AppealInput(
            text="Драка у магазина",
            category_code="fight",
            received_at=now,
            caller_phone="+77011234567",
            lat=42.5063,
            lon=1.5218,
            district="central",
        ),
        region=Region(services.settings.region_bbox),
        link_to=None,
        by=Actor.system("test"),
        at=now,
    )
    year = to_local(now).year
    assert done.incident.number == f"INC-{year}-{last.get(('INC', year), 0) + 1:06d}"
    assert done.appeal.number == f"102-{year}-{last.get(('102', year), 0) + 1:06d}"
