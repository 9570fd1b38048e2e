"""The snapshot: an incremental refresh picks up changed and new incidents (an assignment-only change too),
deltas are compacted, removed imports force a rebuild, other processes read the same files, and reading for
a refresh never holds up intake."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.analytics.domain import Dimension, Origin, Query
from kuzet.analytics.service import Analytics
from kuzet.config import Settings
from kuzet.container import Services
from kuzet.dispatch.store import AssignmentRepository
from kuzet.incidents.store import IncidentRepository, incidents
from tests.analytics import dataset

MARCH = Query(first=date(2026, 3, 1), last=date(2026, 3, 31))


def responses(analytics: Analytics, query: Query = MARCH) -> list[float]:
    """The response figures (n, mean, median, min, max) of the query."""
    s = analytics.intervals(query, ["response"]).tables[0].rows[0].intervals["response"]
    return [s.n, s.mean, s.median, s.minimum, s.maximum]


def test_a_refresh_picks_up_a_changed_and_a_new_incident(services: Services, region: Analytics) -> None:
    loaded = dataset.load(services)
    first = region.refresh()
    assert first.base is not None and first.deltas == ()
    assert responses(region) == pytest.approx([6, 1910 / 6, 270.0, 180.0, 600.0])
    now = services.clock.now()
    with services.uow() as uow:
        repo = uow.repo(IncidentRepository)
        e = repo.get(loaded.incidents["E"])
        arrived = replace(
            e.stamps,
            first_en_route_at=e.stamps.received_at + timedelta(seconds=350),
            first_on_scene_at=e.stamps.received_at + timedelta(seconds=650),
        )
        repo.save(replace(e, stamps=arrived), at=now)
        k = dataset.Case("K", 1, "north", "fight", dataset.DAY + timedelta(hours=7), 60, 100, 420)
        dataset.add_case(uow, k, loaded, at=now)
        uow.commit()
    second = region.refresh()
    assert second.base == first.base and len(second.deltas) == 1
    # E now arrived after 650 s, K after 420 s: 180 200 240 300 390 420 600 650.
    assert responses(region) == pytest.approx([8, 2980 / 8, 345.0, 180.0, 650.0])
    quality = region.intervals(MARCH, ["response"]).data_quality
    assert quality.incidents == 8 and quality.intervals["response"].missing == 0


def test_an_assignment_acknowledged_later_is_picked_up(services: Services, region: Analytics) -> None:
    """Acknowledging changes the assignment only, not the incident row."""
    now = services.clock.now().replace(microsecond=0)
    loaded = dataset.Loaded()
    case = dataset.Case("L", 1, "central", "fight", now - timedelta(minutes=2), 60, None, None)
    with services.uow() as uow:
        dataset.add_case(uow, case, loaded, at=now)
        uow.commit()
    region.refresh()
    today = Query(origin=Origin.LIVE)
    assert region.intervals(today, ["acknowledge"]).tables[0].rows[0].intervals["acknowledge"].n == 0
    with services.uow() as uow:
        repo = uow.repo(AssignmentRepository)
        assignment = repo.get(loaded.assignments["L"])
        repo.save(replace(assignment, acknowledged_at=assignment.assigned_at + timedelta(seconds=42)))
        uow.commit()
    region.refresh()
    acknowledge = region.intervals(today, ["acknowledge"]).tables[0].rows[0].intervals["acknowledge"]
    assert (acknowledge.n, acknowledge.median) == (1, 42.0)


def test_nothing_new_writes_no_delta(services: Services, region: Analytics) -> None:
    dataset.load(services)
    first = region.refresh()
    again = region.refresh()
    assert (again.version, again.base, again.deltas) == (first.version, first.base, ())
    assert again.refreshed_at is not None and first.refreshed_at is not None
    assert again.refreshed_at >= first.refreshed_at


def test_deltas_are_compacted_into_a_new_base(services: Services, region: Analytics) -> None:
    loaded = dataset.load(services)
    first = region.refresh()
    for name in ("K", "M"):  # compacted after two deltas (the region's setting)
        with services.uow() as uow:
            case = dataset.Case(name, 2, "north", "theft", dataset.DAY + timedelta(hours=8), 10, 20, 200)
            dataset.add_case(uow, case, loaded, at=services.clock.now())
            uow.commit()
        state = region.refresh()
    assert state.base != first.base and state.deltas == ()
    assert state.rows == 11  # nine cases, K and M: each key once
    assert responses(region) == pytest.approx([8, 2310 / 8, 220.0, 180.0, 600.0])
    # A fresh engine loading the compacted base alone gets the same figures.
    region.engine.sync(region.snapshot.folder, replace(state, base=None))
    region.engine.sync(region.snapshot.folder, state)
    assert responses(region) == pytest.approx([8, 2310 / 8, 220.0, 180.0, 600.0])


def test_removed_imports_force_a_full_read(services: Services, region: Analytics) -> None:
    dataset.load(services)
    dataset.load_imported(services)
    region.refresh()
    imported = Query(origin=Origin.IMPORTED)
    assert responses(region, imported)[0] == 1
    with services.engine.begin() as connection:
        connection.execute(delete(imported_incidents))
        connection.execute(delete(cad_imports))
    state = region.refresh()
    assert state.deltas == () and state.built_at == state.refreshed_at
    assert responses(region, imported)[0] == 0


def test_another_process_reads_the_files_the_state_names(
    services: Services, region: Analytics, region_settings: Settings
) -> None:
    dataset.load(services)
    region.refresh()
    reader = Analytics.build(region_settings, services.engine, services.clock)
    try:
        assert responses(reader) == responses(region)
        assert reader.engine.info.version == region.engine.info.version  # read, not refreshed again
    finally:
        reader.close()


def test_reading_for_a_refresh_does_not_hold_up_intake(services: Services, region: Analytics) -> None:
    loaded = dataset.load(services)
    with region.snapshot.source.engine.begin() as reading:
        reading.execute(select(incidents.c.id)).all()  # a read transaction is open, as during a refresh
        started = time.monotonic()
        with services.uow() as uow:
            case = dataset.Case("N", 3, "central", "noise", dataset.DAY, 10, 20, 30)
            dataset.add_case(uow, case, loaded, at=services.clock.now())
            uow.commit()
        assert time.monotonic() - started < 2.0
    state = region.refresh()
    assert state.rows == len(dataset.CASES) + 1
    by_district = Query(group_by=(Dimension.DISTRICT,))
    assert [r.group["district"] for r in region.intervals(by_district).tables[0].rows] == ["central", "north"]
