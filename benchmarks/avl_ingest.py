"""Benchmark: GPS ingest, end to end through the use case (checks, jump test, snapping onto the real Andorra
road graph, one transaction per batch into the track and last-position tables) on SQLite and PostgreSQL.

200 units report in batches of 1,000 fixes, each unit moving a few metres a second along its way. Prints
fixes/s per round and the median, for each database; the goal is at least 20,000 fixes/s. Snapping alone
(vectorised, no database) is printed beside it as the upper bound.

    make bench
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.scratch import scratch_postgres
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.geo.osm import import_osm
from kuzet.units import service
from kuzet.units.domain import UnitType
from kuzet.units.positions import service as positions_service
from kuzet.units.positions.domain import Fix
from tests.reference import osm_extract

ADMIN_URL = os.environ.get(
    "KUZET_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
UNITS = 200
BATCH = 1000
BATCHES = int(os.environ.get("KUZET_BENCH_AVL_BATCHES", "20"))
ROUNDS = 3


def run(database_url: str, roads_file: Path, label: str) -> None:
    migrate.upgrade(database_url)
    settings = Settings(
        mode=Mode.TEST, database_url=database_url, data_dir=roads_file.parent, graph_path=roads_file
    )
    services = Services.build(settings)
    by = Actor.system("bench")
    now = datetime.now(UTC)
    signs = []
    for n in range(UNITS):
        unit = service.create(
            services.uow(),
            call_sign=f"B-{n}",
            unit_type=UnitType.PATROL_CAR,
            district="central",
            crew=(),
            by=by,
            at=now,
        )
        signs.append(unit.call_sign)
    roads = services.geo.roads
    if roads is None:
        raise SystemExit("the road graph did not load")
    rng = np.random.default_rng(7)
    start = rng.integers(0, roads.graph.node_count, UNITS)
    lat = roads.graph.lat[start].copy()
    lon = roads.graph.lon[start].copy()
    rules = positions_service.fix_rules(settings)
    rates = []
    clock = now - timedelta(hours=1)
    for _ in range(ROUNDS):
        batches = []
        for _ in range(BATCHES):
            fixes = []
            for _ in range(BATCH // UNITS):
                clock += timedelta(seconds=1)
                lat += rng.normal(0, 0.00005, UNITS)
                lon += rng.normal(0, 0.00005, UNITS)
                fixes += [Fix(signs[u], clock, float(lat[u]), float(lon[u]), 30.0) for u in range(UNITS)]
            batches.append(fixes)
        began = time.perf_counter()
        for fixes in batches:
            positions_service.ingest(
                services.uow(),
                fixes,
                rules=rules,
                snap=services.geo.snap,
                source="bench",
                by=by,
                at=datetime.now(UTC),
            )
        rates.append(BATCHES * BATCH / (time.perf_counter() - began))
    for n, rate in enumerate(rates, 1):
        print(f"  ingest on {label:<10} round {n}: {rate:9,.0f} fixes/s")
    print(f"  ingest on {label:<10} median : {statistics.median(rates):9,.0f} fixes/s  (goal >= 20,000)")
    services.close()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="kuzet-avl-"))
    roads_file = folder / "roads.npz"
    import_osm(osm_extract("andorra.osm.pbf")).graph.save(roads_file)
    print(
        f"GPS ingest benchmark: {UNITS} units, batches of {BATCH}, {BATCHES} batches a round, {ROUNDS} rounds"
    )
    probe = Services.build(Settings(mode=Mode.TEST, database_url="sqlite://", graph_path=roads_file))
    roads = probe.geo.roads
    if roads is None:
        raise SystemExit("the road graph did not load")
    rng = np.random.default_rng(1)
    points = rng.integers(0, roads.graph.node_count, 100_000)
    lats, lons = roads.graph.lat[points] + 0.0001, roads.graph.lon[points] + 0.0001
    began = time.perf_counter()
    roads.snapper.snap_many(lats, lons)
    print(
        f"  snapping alone (100k points, vectorised): {100_000 / (time.perf_counter() - began):,.0f} fixes/s"
    )
    run(f"sqlite:///{folder / 'avl.db'}", roads_file, "SQLite")
    with scratch_postgres("kuzet_avl") as url:
        run(url, roads_file, "PostgreSQL")


if __name__ == "__main__":
    main()
