"""Benchmark: which of 5,000 cameras see one incident, with the demo extract's real OSM buildings.

Inputs: the building footprints of the demo's Andorra extract (`kuzet/demo_map/andorra.osm.pbf`, real OSM
data, © OpenStreetMap contributors, ODbL), read and projected once, untimed. The cameras are SYNTHETIC: 5,000
placed at random (seeded) over the 4 km × 4 km around Andorra la Vella's centre where the buildings are, each
with a random heading, a field of view of 30°–120° (one in ten a 360° dome) and a range of 30–150 m. The
incidents are SYNTHETIC too: random points in the same square (a few fall inside a building footprint).

Methods, timed interleaved incident by incident on the same inputs (ours first on even incidents, the baseline
first on odd ones):
- ours: `visibility.sight_of_point` (numpy over all cameras for range and sector, then the lines of sight
  left in one vectorised STRtree query, the nearest blocker per line), as the incident card's API runs it;
- baseline: a per-pair loop in Python with shapely scalars: for each camera, its distance and bearing by
  `math`, and for each camera with the incident in range and sector a LineString queried against the same
  STRtree, the camera's own building and the incident's own excused as in ours.
Before timing, both answers are compared camera by camera for every incident (verdict and blocker).

Goal (issue 18): ours p99 <= 5 ms per incident. Also printed, without a goal: the batch `visible_pairs` of
the 5,000 cameras against 20,000 points (what the placement planner calls).

    .venv/bin/python -m benchmarks.cctv_visibility [--cameras 5000] [--incidents 1000] [--seed 18]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import shapely  # type: ignore[import-untyped]

from benchmarks.goals import at_most
from kuzet.cctv.buildings_osm import read_footprints
from kuzet.cctv.visibility import (
    MOUNT_TOLERANCE_M,
    Buildings,
    CameraViews,
    LocalProjection,
    Sight,
    sight_of_point,
    visible_pairs,
)
from kuzet.config import Settings

DEMO_MAP = Path(__file__).parents[1] / "kuzet" / "demo_map" / "andorra.osm.pbf"
CENTRE = (42.5063, 1.5218)  # Plaça del Poble, Andorra la Vella
HALF_SIDE_M = 2000.0
GOAL_P99_MS = 5.0


def cameras_at_random(rng: np.random.Generator, n: int, cx: float, cy: float) -> CameraViews:
    fov = np.where(rng.random(n) < 0.1, 360.0, rng.uniform(30, 120, n))
    return CameraViews.build(
        rng.uniform(cx - HALF_SIDE_M, cx + HALF_SIDE_M, n),
        rng.uniform(cy - HALF_SIDE_M, cy + HALF_SIDE_M, n),
        rng.uniform(0, 360, n),
        fov,
        rng.uniform(30, 150, n),
    )


def baseline(cameras: CameraViews, x: float, y: float, buildings: Buildings) -> tuple[list[int], list[int]]:
    """Per camera, in Python: the verdict and the blocker (the nearest blocking building, or -1)."""
    point = shapely.Point(x, y)
    point_own = set(buildings.tree.query(point, predicate="intersects").tolist())
    verdicts, blockers = [], []
    for i in range(len(cameras)):
        cx, cy = float(cameras.x[i]), float(cameras.y[i])
        distance = math.hypot(x - cx, y - cy)
        if distance > cameras.range[i]:
            verdicts.append(Sight.TOO_FAR)
            blockers.append(-1)
            continue
        bearing = math.degrees(math.atan2(x - cx, y - cy)) % 360
        off = abs((bearing - cameras.heading[i] + 180) % 360 - 180)
        if cameras.fov[i] < 360 and distance > 0 and off > cameras.fov[i] / 2 + 1e-9:
            verdicts.append(Sight.OUT_OF_SECTOR)
            blockers.append(-1)
            continue
        camera = shapely.Point(cx, cy)
        own = set(buildings.tree.query(camera, predicate="dwithin", distance=MOUNT_TOLERANCE_M).tolist())
        line = shapely.LineString([(cx, cy), (x, y)])
        hits = [
            b for b in buildings.tree.query(line, predicate="intersects").tolist() if b not in own | point_own
        ]
        if hits:
            nearest = min(hits, key=lambda b: (camera.distance(buildings.polygons[b]), b))
            verdicts.append(Sight.BLOCKED)
            blockers.append(nearest)
        else:
            verdicts.append(Sight.SEES)
            blockers.append(-1)
    return verdicts, blockers


def percentile_ms(times: list[float], q: float) -> float:
    return float(np.percentile(np.array(times) * 1000, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=5000)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()

    projection = LocalProjection.around(Settings().region_bbox)
    buildings = read_footprints(DEMO_MAP).buildings(projection)
    cx, cy = (float(v) for v in projection.to_xy(*CENTRE))
    rng = np.random.default_rng(args.seed)
    cameras = cameras_at_random(rng, args.cameras, cx, cy)
    incidents = rng.uniform(
        [cx - HALF_SIDE_M, cy - HALF_SIDE_M], [cx + HALF_SIDE_M, cy + HALF_SIDE_M], (args.incidents, 2)
    )
    side = f"{2 * HALF_SIDE_M / 1000:g} km"
    print(
        f"cctv visibility: {len(buildings):,} real OSM buildings (Andorra), {len(cameras):,} SYNTHETIC "
        f"cameras, {len(incidents):,} SYNTHETIC incidents over {side} x {side}"
    )

    seen = blocked = 0
    for x, y in incidents:  # the same answers, camera by camera (and warm-up)
        ours = sight_of_point(cameras, float(x), float(y), buildings)
        verdicts, blockers = baseline(cameras, float(x), float(y), buildings)
        if ours.sight.tolist() != [int(v) for v in verdicts] or ours.blocker.tolist() != blockers:
            raise SystemExit(f"the answers differ from the baseline's at ({x:.1f}, {y:.1f})")
        seen += int((ours.sight == Sight.SEES).sum())
        blocked += int((ours.sight == Sight.BLOCKED).sum())
    per = seen / len(incidents)
    print(f"  answers agree with the baseline for every camera; per incident {per:.1f} cameras see it,")
    print(f"  {blocked / len(incidents):.1f} more are blocked by a building")

    ours_times: list[float] = []
    base_times: list[float] = []
    for k, (x, y) in enumerate(incidents):
        order = ((sight_of_point, ours_times), (baseline, base_times))
        for function, times in order if k % 2 == 0 else order[::-1]:
            began = time.perf_counter()
            function(cameras, float(x), float(y), buildings)
            times.append(time.perf_counter() - began)
    for label, times in (("ours", ours_times), ("baseline per-pair loop", base_times)):
        print(f"  {label}: median {percentile_ms(times, 50):.3f} ms, p99 {percentile_ms(times, 99):.3f} ms")
    ratio = percentile_ms(base_times, 50) / percentile_ms(ours_times, 50)
    print(f"  ours is {ratio:.1f} x faster than the baseline (medians)")
    print(
        at_most(
            "ours p99 per incident, 5,000 cameras with buildings",
            percentile_ms(ours_times, 99),
            GOAL_P99_MS,
            "ms",
        )
    )

    points = rng.uniform(
        [cx - HALF_SIDE_M, cy - HALF_SIDE_M], [cx + HALF_SIDE_M, cy + HALF_SIDE_M], (20_000, 2)
    )
    began = time.perf_counter()
    cam, _ = visible_pairs(cameras, points[:, 0], points[:, 1], buildings)
    took = time.perf_counter() - began
    print(
        f"  batch visible_pairs: {len(cameras):,} cameras x {len(points):,} points in {took * 1000:.0f} ms "
        f"({len(cam):,} pairs seen)"
    )


if __name__ == "__main__":
    main()
