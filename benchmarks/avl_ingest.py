"""Benchmark: GPS ingest, end to end through the use case (checks, jump test, snapping onto the real Andorra
road graph, one transaction per batch into the track and last-position tables) on SQLite and PostgreSQL.

200 units report in batches of 1,000 fixes, each unit moving a few metres a second along its way; then 40
units send batches of the same size (25 fixes each per batch instead of 5). The two databases get the same
fixes and run round by round in turn, the order swapped each round. Prints fixes/s per round and the median,
for each database, beside the goal of at least 20,000 fixes/s (issue 5) with a met/MISSED verdict. Snapping
alone (vectorised, no database) is printed first as the upper bound.

    make bench
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.goals import at_least
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

UNIT_COUNTS = (200, 40)  # 40: the same batches from fewer units, so more fixes per unit in each
BATCH = 1000
BATCHES = int(os.environ.get("KUZET_BENCH_AVL_BATCHES", "20"))
ROUNDS = 3
GOAL_K = 20.0  # thousand fixes/s (issue 5)


@dataclass
class Feed:
    """One database ready for rounds of ingest: its units and where each of them is."""

    label: str
    services: Services
    signs: list[str]
    lat: np.ndarray
    lon: np.ndarray
    rng: np.random.Generator
    clock: datetime
    rates: list[float] = field(default_factory=list)


def prepare(database_url: str, roads_file: Path, label: str, units: int) -> Feed:
    migrate.upgrade(database_url)
    settings = Settings(
        mode=Mode.TEST, database_url=database_url, data_dir=roads_file.parent, graph_path=roads_file
    )
    services = Services.build(settings)
    by = Actor.system("bench")
    now = datetime.now(UTC)
    signs = []
    for n in range(units):
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
    rng = np.random.default_rng(7)  # the same seed on every database: the same fixes
    start = rng.integers(0, roads.graph.node_count, units)
    return Feed(
        label,
        services,
        signs,
        roads.graph.lat[start].copy(),
        roads.graph.lon[start].copy(),
        rng,
        now - timedelta(hours=1),
    )


def one_round(feed: Feed) -> None:
    """BATCHES batches of BATCH fixes, every unit moving a little each second; the rate goes to feed.rates."""
    services, units = feed.services, len(feed.signs)
    rules = positions_service.fix_rules(services.settings)
    by = Actor.system("bench")
    batches = []
    for _ in range(BATCHES):
        fixes = []
        for _ in range(BATCH // units):
            feed.clock += timedelta(seconds=1)
            feed.lat += feed.rng.normal(0, 0.00005, units)
            feed.lon += feed.rng.normal(0, 0.00005, units)
            fixes += [
                Fix(feed.signs[u], feed.clock, float(feed.lat[u]), float(feed.lon[u]), 30.0)
                for u in range(units)
            ]
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
    feed.rates.append(sum(map(len, batches)) / (time.perf_counter() - began))


def compare(roads_file: Path, folder: Path, units: int) -> None:
    """SQLite and PostgreSQL, round by round in turn (the order swapped each round), on the same fixes."""
    with scratch_postgres("kuzet_avl") as url:
        feeds = [
            prepare(f"sqlite:///{folder / f'avl_{units}.db'}", roads_file, "SQLite", units),
            prepare(url, roads_file, "PostgreSQL", units),
        ]
        try:
            for n in range(ROUNDS):
                for feed in feeds if n % 2 == 0 else feeds[::-1]:
                    one_round(feed)
        finally:
            for feed in feeds:
                feed.services.close()
    print(
        f"\n== {units} units, {BATCH // units} fixes per unit in each batch, databases interleaved by round"
    )
    for feed in feeds:
        for n, rate in enumerate(feed.rates, 1):
            print(f"  ingest on {feed.label:<10} round {n}: {rate:9,.0f} fixes/s")
        print(
            at_least(
                f"ingest on {feed.label}, median of rounds",
                statistics.median(feed.rates) / 1000,
                GOAL_K,
                "thousand fixes/s",
            )
        )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="kuzet-avl-"))
    roads_file = folder / "roads.npz"
    import_osm(osm_extract("andorra.osm.pbf")).graph.save(roads_file)
    print(
        f"GPS ingest benchmark: {' and '.join(map(str, UNIT_COUNTS))} units, batches of {BATCH}, "
        f"{BATCHES} batches a round, {ROUNDS} rounds"
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
    probe.close()
    for units in UNIT_COUNTS:
        compare(roads_file, folder, units)


if __name__ == "__main__":
    main()
