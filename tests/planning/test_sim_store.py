"""The simulation learns from the live store: incidents read back with their stamps and category groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kuzet.container import Services
from kuzet.core.clock import LOCAL_TZ
from kuzet.demo.history_store import HistoryPlan, write
from kuzet.incidents.catalogue import shipped_categories
from kuzet.planning.history import read_live
from kuzet.planning.travel import nearest_nodes
from tests.planning.sim_support import grid


def _incident(rng: np.random.Generator, received: datetime, code: str, priority: int) -> dict[str, Any]:
    dispatched = received + timedelta(seconds=float(rng.uniform(60, 180)))
    on_scene = dispatched + timedelta(seconds=float(rng.uniform(120, 600)))
    cleared = on_scene + timedelta(minutes=float(rng.uniform(10, 40)))
    return {
        "status": "closed", "category_code": code, "priority": priority, "district": "central",
        "lat": 42.50 + float(rng.uniform(0, 0.02)), "lon": 1.50 + float(rng.uniform(0, 0.02)),
        "address": None, "description": "planning test", "received_at": received,
        "first_dispatched_at": dispatched, "first_en_route_at": dispatched + timedelta(seconds=40),
        "first_on_scene_at": on_scene, "cleared_at": cleared, "closed_at": cleared,
        "disposition": None, "reopen_count": 0, "created_at": received, "updated_at": cleared,
    }  # fmt: skip


def test_history_is_read_from_the_live_store(services: Services) -> None:
    rng = np.random.default_rng(3)
    dispatched = [c for c in shipped_categories() if c.active and c.priority < 4][:5]
    start = datetime(2025, 5, 1, tzinfo=UTC)
    rows = [
        _incident(rng, start + timedelta(minutes=37 * i), dispatched[i % 5].code, dispatched[i % 5].priority)
        for i in range(120)
    ]
    write(services.uow(), HistoryPlan(incidents=rows), at=start, local=LOCAL_TZ)

    history = read_live(services.engine)

    assert len(history.rows) == 120
    groups = {c.code: c.group.value for c in dispatched}
    assert all(r["category_group"] == groups[r["category_code"]] for r in history.rows)
    expected = np.median([(r["first_on_scene_at"] - r["received_at"]).total_seconds() for r in rows])
    assert abs(float(np.median(history.response_seconds())) - expected) < 1e-3
    graph = grid()
    demand = history.demand(lambda lat, lon: nearest_nodes(graph, lat, lon))
    assert set(demand.priority.tolist()) == {c.priority for c in dispatched}
    assert demand.node.max() < graph.node_count
    assert history.profile().rates.sum() > 0
    assert len(read_live(services.engine, since=start + timedelta(days=2)).rows) < 120


def test_imported_incidents_add_to_the_history_but_not_to_its_places(services: Services) -> None:
    from sqlalchemy import insert

    from kuzet.analytics.cad.tables import cad_imports, imported_incidents

    rng = np.random.default_rng(4)
    category = next(c for c in shipped_categories() if c.active and c.priority == 2)
    start = datetime(2025, 5, 1, tzinfo=UTC)
    write(
        services.uow(),
        HistoryPlan(incidents=[_incident(rng, start, category.code, 2)]),
        at=start,
        local=LOCAL_TZ,
    )
    with services.engine.begin() as conn:
        (import_id,) = conn.execute(
            insert(cad_imports).returning(cad_imports.c.id),
            [{"file_name": "old.csv", "file_sha256": "0" * 64, "mapping_name": "m", "started_at": start,
              "rows_read": 3, "rows_imported": 3, "rows_rejected": 0, "duplicates": 0, "report": {},
              "imported_by": "test"}],
        ).scalars()  # fmt: skip
        conn.execute(
            insert(imported_incidents),
            [
                {"import_id": import_id, "number": f"OLD-{i}", "category_code": code, "priority": priority,
                 "district": "central", "received_at": start - timedelta(days=i + 1),
                 "first_dispatched_at": start - timedelta(days=i + 1) + timedelta(minutes=2), "stamps": {}}
                for i, (code, priority) in enumerate([(category.code, 2), (category.code, 2), (None, None)])
            ],
        )  # fmt: skip

    assert len(read_live(services.engine).rows) == 1
    both = read_live(services.engine, imported=True)
    assert len(both.rows) == 3  # the unmapped import (no category) is left out
    demand = both.demand(lambda lat, lon: nearest_nodes(grid(), lat, lon))
    assert len(demand.node) == 1  # places come from the live incident only
    assert len(demand.handling_by_priority[2]) == 3  # intervals from all three
