"""Benchmark: coverage analytics over a year of incidents, the share seen by an online camera by month.

Inputs: the building footprints of the demo's Andorra extract (`kuzet/demo_map/andorra.osm.pbf`, real OSM
data, © OpenStreetMap contributors, ODbL), read and projected once, untimed. Everything else is SYNTHETIC,
seeded: 2,000 cameras at random over the 4 km × 4 km around Andorra la Vella's centre (random heading, a
field of view of 30°–120°, one in ten a 360° dome, a range of 30–150 m), registered at random during the
year's first half, one in twenty retired during the second; heartbeat spans for half of them, each a few
days long with outages between; 200,000 incidents over the year in the same square (half around 40 hot
spots, half uniform), priorities 1–4.

Timed: `coverage.verdicts` (the visibility's `visible_pairs` k-d tree and sector test, the STRtree line of
sight, the health lookup) and the table by local month (`coverage_service.local_periods`, `coverage.table`),
as the API runs them once the rows are read (reading 200,000 rows from the database is not included). Also
printed, without a goal: the hot-spot grid of the uncovered ones.

Baseline, interleaved on a subset of incidents (ours on the subset first in even rounds, the baseline first
in odd ones): a naive per-incident loop, `visibility.sight_of_point` against every camera for each incident
and the health looked up camera by camera in Python. Both answers are compared incident by incident.

Goal: ≤ 5 s for the coverage table of 200,000 incidents and 2,000 cameras.

With --database, the same incidents, cameras and spans are written to a SQLite file (untimed) and reading
them back as the coverage use case does (`coverage_store`) is timed too, against the same goal with the table.

    .venv/bin/python -m benchmarks.cctv_coverage [--cameras 2000] [--incidents 200000] [--subset 300]
        [--database]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.goals import at_most
from kuzet.cctv.buildings_osm import read_footprints
from kuzet.cctv.coverage import CameraFleet, IncidentPoints, SpanTable, Verdict, table, verdicts
from kuzet.cctv.coverage_grid import hotspots
from kuzet.cctv.coverage_service import Group, local_periods
from kuzet.cctv.placement import priority_weights
from kuzet.cctv.visibility import Buildings, CameraViews, LocalProjection, Sight, sight_of_point
from kuzet.config import Settings
from kuzet.core.clock import LOCAL_TZ

DEMO_MAP = Path(__file__).parents[1] / "kuzet" / "demo_map" / "andorra.osm.pbf"
CENTRE = (42.5063, 1.5218)  # Plaça del Poble, Andorra la Vella
HALF_SIDE_M = 2000.0
GOAL_S = 5.0
YEAR_START = int(datetime(2025, 1, 1, tzinfo=LOCAL_TZ).timestamp() * 1000)  # local midnight
YEAR_MS = 365 * 86_400_000
DAY_MS = 86_400_000
NEVER = np.iinfo(np.int64).max


def synthetic_fleet(rng: np.random.Generator, n: int, cx: float, cy: float) -> CameraFleet:
    fov = np.where(rng.random(n) < 0.1, 360.0, rng.uniform(30, 120, n))
    views = CameraViews.build(
        rng.uniform(cx - HALF_SIDE_M, cx + HALF_SIDE_M, n),
        rng.uniform(cy - HALF_SIDE_M, cy + HALF_SIDE_M, n),
        rng.uniform(0, 360, n),
        fov,
        rng.uniform(30, 150, n),
    )
    registered = YEAR_START + rng.integers(0, YEAR_MS // 2, n)
    retired = np.where(rng.random(n) < 0.05, YEAR_START + rng.integers(YEAR_MS // 2, YEAR_MS, n), NEVER)
    return CameraFleet(views, registered, retired, rng.random(n) < 0.9)


def synthetic_spans(rng: np.random.Generator, n: int) -> SpanTable:
    """Half the cameras heard from: spans of 1–10 days with outages of 1 hour to 3 days between."""
    cam: list[int] = []
    start: list[int] = []
    end: list[int] = []
    for c in rng.choice(n, n // 2, replace=False).tolist():
        t = YEAR_START + int(rng.integers(0, 30 * DAY_MS))
        while t < YEAR_START + YEAR_MS:
            length = int(rng.integers(DAY_MS, 10 * DAY_MS))
            cam.append(c)
            start.append(t)
            end.append(t + length)
            t += length + int(rng.integers(3_600_000, 3 * DAY_MS))
    return SpanTable.build(cam, start, end)


def synthetic_incidents(rng: np.random.Generator, n: int, cx: float, cy: float) -> IncidentPoints:
    hot = rng.uniform([cx - HALF_SIDE_M, cy - HALF_SIDE_M], [cx + HALF_SIDE_M, cy + HALF_SIDE_M], (40, 2))
    around = hot[rng.integers(0, 40, n // 2)] + rng.normal(0, 120, (n // 2, 2))
    uniform = rng.uniform(
        [cx - HALF_SIDE_M, cy - HALF_SIDE_M], [cx + HALF_SIDE_M, cy + HALF_SIDE_M], (n - n // 2, 2)
    )
    xy = np.vstack((around, uniform))
    return IncidentPoints(xy[:, 0].copy(), xy[:, 1].copy(), YEAR_START + rng.integers(0, YEAR_MS, n))


def naive(fleet: CameraFleet, spans: SpanTable, inc: IncidentPoints, buildings: Buildings) -> list[int]:
    """Per incident: every camera's sight of its point, then each camera's life and health in Python."""
    by_camera: dict[int, list[tuple[int, int]]] = {}
    for c, s, e in zip(spans.camera.tolist(), spans.start_ms.tolist(), spans.end_ms.tolist(), strict=True):
        by_camera.setdefault(c, []).append((s, e))
    found = []
    for i in range(len(inc)):
        t = int(inc.at_ms[i])
        sight = sight_of_point(fleet.views, float(inc.x[i]), float(inc.y[i]), buildings, report_within_m=300)
        best = Verdict.NO_CAMERA_NEAR
        for c in range(len(fleet)):
            if not fleet.registered_ms[c] <= t < fleet.retired_ms[c]:
                continue
            verdict = Sight(int(sight.sight[c]))
            if verdict is Sight.SEES:
                life = by_camera.get(c)
                if life and t >= life[0][0]:
                    online = any(s <= t <= e for s, e in life)
                else:
                    online = bool(fleet.status_online[c])
                best = min(best, Verdict.SEEN if online else Verdict.CAMERA_OFFLINE)
            elif verdict is Sight.BLOCKED:
                best = min(best, Verdict.BLOCKED)
            elif sight.distance_m[c] <= 300:
                best = min(best, Verdict.OUT_OF_VIEW)
        found.append(int(best))
    return found


def subset(inc: IncidentPoints, idx: np.ndarray) -> IncidentPoints:
    return IncidentPoints(inc.x[idx], inc.y[idx], inc.at_ms[idx])


def reading(
    projection: LocalProjection,
    fleet: CameraFleet,
    spans: SpanTable,
    inc: IncidentPoints,
    priority: np.ndarray,
) -> float:
    """Seconds to read the incidents, the cameras and the spans back from a SQLite file holding them, as the
    coverage use case does (`coverage_store`); the file is written first, untimed."""
    import tempfile

    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from kuzet.cctv.coverage_store import CoverageSelection, read_incidents, read_registry
    from kuzet.cctv.health_store import camera_health_spans
    from kuzet.cctv.store import cameras
    from kuzet.core.db import make_engine, metadata
    from kuzet.incidents.store import incidents

    def moment(ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, UTC)

    lat, lon = projection.to_latlon(inc.x, inc.y)
    cam_lat, cam_lon = projection.to_latlon(fleet.views.x, fleet.views.y)
    views = fleet.views
    incident_rows = [
        {
            "number": f"B-{i}",
            "status": "closed",
            "category_code": "fight",
            "priority": int(priority[i]),
            "district": "central",
            "lat": float(lat[i]),
            "lon": float(lon[i]),
            "description": "",
            "received_at": moment(int(inc.at_ms[i])),
            "reopen_count": 0,
            "created_at": moment(int(inc.at_ms[i])),
            "updated_at": moment(int(inc.at_ms[i])),
        }
        for i in range(len(inc))
    ]
    camera_rows = [
        {
            "camera_id": f"CAM-{c:05d}",
            "lat": float(cam_lat[c]),
            "lon": float(cam_lon[c]),
            "mount_height_m": 6.0,
            "heading_deg": float(views.heading[c]),
            "fov_deg": float(views.fov[c]),
            "range_m": float(views.range[c]),
            "type": "street",
            "owner": "Akimat",
            "retention_days": 30,
            "status": "active" if fleet.status_online[c] else "offline",
            "created_at": moment(int(fleet.registered_ms[c])),
            "updated_at": moment(int(fleet.registered_ms[c])),
        }
        for c in range(len(fleet))
    ]
    span_rows = [
        {
            "camera_id": f"CAM-{int(c):05d}",
            "started_at": moment(int(s)),
            "last_beat_at": moment(int(e)),
            "last_via": "mqtt",
            "offline_told": True,
        }
        for c, s, e in zip(spans.camera, spans.start_ms, spans.end_ms, strict=True)
    ]
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/coverage.db", foreign_keys=False)
        metadata.create_all(engine, tables=[incidents, cameras, camera_health_spans])
        with engine.begin() as conn:
            conn.execute(insert(incidents), incident_rows)
            conn.execute(insert(cameras), camera_rows)
            conn.execute(insert(camera_health_spans), span_rows)
        first = datetime.fromtimestamp(YEAR_START / 1000, LOCAL_TZ).date()
        chosen = CoverageSelection(first, first.replace(month=12, day=31))
        _, end = chosen.utc_bounds()
        began = time.perf_counter()
        with Session(engine) as session:
            rows = read_incidents(session, chosen)
            registry = read_registry(
                session, projection, before=end, now=datetime.now(UTC), offline_after=timedelta(minutes=2)
            )
        took = time.perf_counter() - began
        engine.dispose()
    print(
        f"  read from SQLite: {len(rows):,} incidents, {len(registry.fleet):,} cameras, "
        f"{len(registry.spans.camera):,} spans in {took:.2f} s"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=2000)
    parser.add_argument("--incidents", type=int, default=200_000)
    parser.add_argument("--subset", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--database",
        action="store_true",
        help="also time reading the rows from a SQLite file (built untimed)",
    )
    args = parser.parse_args()

    projection = LocalProjection.around(Settings().region_bbox)
    buildings = read_footprints(DEMO_MAP).buildings(projection)
    cx, cy = (float(v) for v in projection.to_xy(*CENTRE))
    rng = np.random.default_rng(args.seed)
    fleet = synthetic_fleet(rng, args.cameras, cx, cy)
    spans = synthetic_spans(rng, args.cameras)
    incidents = synthetic_incidents(rng, args.incidents, cx, cy)
    priority = rng.integers(1, 5, args.incidents)
    print(
        f"cctv coverage: {len(buildings):,} real OSM buildings (Andorra), {len(fleet):,} SYNTHETIC cameras "
        f"({len(spans.camera):,} heartbeat spans), {len(incidents):,} SYNTHETIC incidents over a year"
    )

    began = time.perf_counter()
    found = verdicts(fleet, spans, incidents, buildings)
    seen_at = time.perf_counter()
    total, rows = table(found, list(local_periods(incidents.at_ms, Group.MONTH)))
    took = time.perf_counter() - began
    print(f"  verdicts {seen_at - began:.2f} s, table by month {took - (seen_at - began):.2f} s")
    share = total.share or 0.0
    print(f"  seen {total.seen:,} of {total.incidents:,} ({share:.1%}); not seen: {total.not_seen}")
    print(f"  {len(rows)} months, from {rows[0].key} to {rows[-1].key}")
    began = time.perf_counter()
    spots, cells = hotspots(
        incidents.x, incidents.y, found, priority, priority_weights(priority), cell_m=200.0, top=50
    )
    print(
        f"  hot-spots: {cells:,} cells of 200 m with uncovered incidents, top {len(spots)} in "
        f"{(time.perf_counter() - began) * 1000:.0f} ms (heaviest {spots[0].weight:g})"
    )

    picked = rng.choice(len(incidents), min(args.subset, len(incidents)), replace=False)
    few = subset(incidents, picked)
    expected = naive(fleet, spans, few, buildings)
    if expected != found[picked].tolist():
        raise SystemExit("the verdicts differ from the per-incident loop's on the subset")
    ours_s: list[float] = []
    base_s: list[float] = []

    def ours() -> object:
        return verdicts(fleet, spans, few, buildings)

    def baseline() -> object:
        return naive(fleet, spans, few, buildings)

    runs: list[tuple[Callable[[], object], list[float]]] = [(ours, ours_s), (baseline, base_s)]
    for k in range(args.rounds):
        for run, times in runs if k % 2 == 0 else runs[::-1]:
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
    ours_med, base_med = float(np.median(ours_s)), float(np.median(base_s))
    per = base_med / len(few)
    print(
        f"  subset of {len(few)} incidents, answers agree: ours {ours_med * 1000:.0f} ms, per-incident loop "
        f"{base_med * 1000:.0f} ms ({per * 1000:.1f} ms per incident, about {per * len(incidents):,.0f} s "
        f"for all {len(incidents):,})"
    )
    print(
        at_most(f"coverage table, {len(incidents):,} incidents x {len(fleet):,} cameras", took, GOAL_S, "s")
    )
    if args.database:
        read_s = reading(projection, fleet, spans, incidents, priority)
        label = f"with the rows read from SQLite first ({len(incidents):,} incidents)"
        print(at_most(label, read_s + took, GOAL_S, "s"))


if __name__ == "__main__":
    main()
