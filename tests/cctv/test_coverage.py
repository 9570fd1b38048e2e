"""Coverage verdicts on constructed cameras and incidents: seen, out of sector, too far, blocked by a
building, a camera offline at the incident's time and online again after, not yet registered, retired; the
grouped table and the hot-spot grid."""

from __future__ import annotations

import numpy as np
import shapely

from kuzet.cctv.coverage import (
    CameraFleet,
    IncidentPoints,
    SpanTable,
    Verdict,
    online_at,
    table,
    verdicts,
)
from kuzet.cctv.coverage_grid import cell_of, cell_ring, hotspots, to_geojson
from kuzet.cctv.coverage_service import up_to
from kuzet.cctv.visibility import Buildings, CameraViews, LocalProjection

NEVER = np.iinfo(np.int64).max
HOUR = 3_600_000
T0 = 1_750_000_000_000  # an epoch time in ms


def fleet(
    cameras: list[tuple[float, float, float, float, float]],
    *,
    registered: list[int] | None = None,
    retired: list[int] | None = None,
    status_online: list[bool] | None = None,
) -> CameraFleet:
    """Cameras as (x, y, heading, fov, range)."""
    x, y, heading, fov, range_m = (list(c) for c in zip(*cameras, strict=True))
    n = len(cameras)
    return CameraFleet(
        views=CameraViews.build(x, y, heading, fov, range_m),
        registered_ms=np.array(registered or [0] * n, dtype=np.int64),
        retired_ms=np.array(retired or [NEVER] * n, dtype=np.int64),
        status_online=np.array([True] * n if status_online is None else status_online, dtype=bool),
    )


def points(*places: tuple[float, float, int]) -> IncidentPoints:
    x, y, at = (list(c) for c in zip(*places, strict=True))
    return IncidentPoints(np.array(x, float), np.array(y, float), np.array(at, dtype=np.int64))


def test_a_camera_looking_at_the_point_sees_it_and_the_reasons_of_the_others() -> None:
    # One camera at the origin looking north, 90° wide, 100 m.
    cams = fleet([(0.0, 0.0, 0.0, 90.0, 100.0)])
    wall = Buildings.build(["way/1"], [shapely.box(-5, 140, 5, 150)])
    found = verdicts(
        cams,
        SpanTable.none(),
        points(
            (0, 50, T0),  # straight ahead: seen
            (0, 100, T0),  # at the range's very end: seen
            (80, -10, T0),  # behind the camera's right shoulder: out of view
            (0, 160, T0),  # ahead but past the range, within 300 m: out of view
            (0, 500, T0),  # nothing within 300 m
        ),
        wall,
    )
    assert [Verdict(v) for v in found] == [
        Verdict.SEEN,
        Verdict.SEEN,
        Verdict.OUT_OF_VIEW,
        Verdict.OUT_OF_VIEW,
        Verdict.NO_CAMERA_NEAR,
    ]


def test_a_building_in_the_line_of_sight_blocks_and_a_second_camera_sees_round_it() -> None:
    wall = Buildings.build(["way/7"], [shapely.box(-10, 20, 10, 25)])
    alone = fleet([(0.0, 0.0, 0.0, 60.0, 100.0)])
    incident = points((0, 50, T0))
    assert Verdict(verdicts(alone, SpanTable.none(), incident, wall)[0]) is Verdict.BLOCKED
    assert Verdict(verdicts(alone, SpanTable.none(), incident, Buildings.none())[0]) is Verdict.SEEN
    both = fleet([(0.0, 0.0, 0.0, 60.0, 100.0), (60.0, 50.0, 270.0, 60.0, 100.0)])
    assert Verdict(verdicts(both, SpanTable.none(), incident, wall)[0]) is Verdict.SEEN


def test_a_camera_offline_at_the_incident_time_and_online_again_after() -> None:
    cams = fleet([(0.0, 0.0, 0.0, 90.0, 100.0)])
    # Heard from T0 to T0+1h, silent, then again from T0+3h to T0+4h.
    spans = SpanTable.build([0, 0], [T0 + 3 * HOUR, T0], [T0 + 4 * HOUR, T0 + HOUR])
    incidents = points(
        (0, 50, T0 + HOUR // 2),  # while heard: seen
        (0, 50, T0 + HOUR),  # at the span's last heartbeat: seen
        (0, 50, T0 + 2 * HOUR),  # in the silence: the camera was offline
        (0, 50, T0 + 3 * HOUR + 1),  # back again: seen
        (0, 50, T0 + 5 * HOUR),  # silent again
        (0, 50, T0 - HOUR),  # before its first heartbeat: its status (active) stands for it
    )
    found = [Verdict(v) for v in verdicts(cams, spans, incidents, Buildings.none())]
    assert found == [
        Verdict.SEEN,
        Verdict.SEEN,
        Verdict.CAMERA_OFFLINE,
        Verdict.SEEN,
        Verdict.CAMERA_OFFLINE,
        Verdict.SEEN,
    ]


def test_without_heartbeats_the_status_decides() -> None:
    cams = fleet([(0.0, 0.0, 0.0, 90.0, 100.0), (0.0, 0.0, 0.0, 90.0, 100.0)], status_online=[True, False])
    camera = np.array([0, 1], dtype=np.int64)
    at = np.array([T0, T0], dtype=np.int64)
    assert online_at(cams, SpanTable.none(), camera, at).tolist() == [True, False]
    offline_only = fleet([(0.0, 0.0, 0.0, 90.0, 100.0)], status_online=[False])
    found = verdicts(offline_only, SpanTable.none(), points((0, 50, T0)), Buildings.none())
    assert Verdict(found[0]) is Verdict.CAMERA_OFFLINE


def test_a_camera_counts_only_between_its_registration_and_its_retirement() -> None:
    cams = fleet([(0.0, 0.0, 0.0, 90.0, 100.0)], registered=[T0], retired=[T0 + HOUR])
    incidents = points((0, 50, T0 - 1), (0, 50, T0), (0, 50, T0 + HOUR - 1), (0, 50, T0 + HOUR))
    found = [Verdict(v) for v in verdicts(cams, SpanTable.none(), incidents, Buildings.none())]
    assert found == [Verdict.NO_CAMERA_NEAR, Verdict.SEEN, Verdict.SEEN, Verdict.NO_CAMERA_NEAR]


def test_the_verdicts_match_a_per_pair_loop_on_random_scenes() -> None:
    rng = np.random.default_rng(6)
    n_cam, n_pt = 60, 800
    cams = fleet(
        [
            (float(x), float(y), float(h), float(f), float(r))
            for x, y, h, f, r in zip(
                rng.uniform(0, 1000, n_cam),
                rng.uniform(0, 1000, n_cam),
                rng.uniform(0, 360, n_cam),
                rng.uniform(20, 360, n_cam),
                rng.uniform(30, 200, n_cam),
                strict=True,
            )
        ],
        registered=rng.integers(T0, T0 + 10 * HOUR, n_cam).tolist(),
        status_online=(rng.random(n_cam) < 0.7).tolist(),
    )
    boxes = [shapely.box(x, y, x + 15, y + 15) for x, y in rng.uniform(0, 1000, (40, 2))]
    walls = Buildings.build([f"way/{i}" for i in range(len(boxes))], boxes)
    spans = SpanTable.build(
        rng.integers(0, n_cam, 30), rng.integers(T0, T0 + 10 * HOUR, 30), np.full(30, T0 + 20 * HOUR)
    )
    spans = SpanTable.build(spans.camera, spans.start_ms, np.minimum(spans.end_ms, spans.start_ms + HOUR))
    incidents = IncidentPoints(
        rng.uniform(0, 1000, n_pt), rng.uniform(0, 1000, n_pt), rng.integers(T0, T0 + 20 * HOUR, n_pt)
    )
    found = verdicts(cams, spans, incidents, walls)
    expected = [naive(cams, spans, incidents, walls, i) for i in range(n_pt)]
    # The spans cut to the incidents' horizon give the same verdicts (what the service caches by).
    assert verdicts(cams, up_to(spans, incidents), incidents, walls).tolist() == found.tolist()
    early = IncidentPoints(incidents.x, incidents.y, np.minimum(incidents.at_ms, T0 + 5 * HOUR))
    assert (
        verdicts(cams, up_to(spans, early), early, walls).tolist()
        == verdicts(cams, spans, early, walls).tolist()
    )
    assert [Verdict(v) for v in found] == expected
    assert {Verdict(v) for v in found} == set(Verdict)  # every case met


def naive(cams: CameraFleet, spans: SpanTable, inc: IncidentPoints, walls: Buildings, i: int) -> Verdict:
    """The rule, camera by camera, in plain Python (no building holds a camera or an incident here, or it
    is excused as the visibility excuses it)."""
    x, y, t = float(inc.x[i]), float(inc.y[i]), int(inc.at_ms[i])
    best = Verdict.NO_CAMERA_NEAR
    v = cams.views
    for c in range(len(cams)):
        if not cams.registered_ms[c] <= t < cams.retired_ms[c]:
            continue
        cx, cy = float(v.x[c]), float(v.y[c])
        distance = float(np.hypot(x - cx, y - cy))
        bearing = float(np.degrees(np.arctan2(x - cx, y - cy)) % 360)
        off = abs((bearing - v.heading[c] + 180) % 360 - 180)
        in_view = distance <= v.range[c] and (v.fov[c] >= 360 or off <= v.fov[c] / 2 + 1e-9)
        if not in_view:
            if distance <= 300:
                best = min(best, Verdict.OUT_OF_VIEW)
            continue
        line = shapely.LineString([(cx, cy), (x, y)])
        own = {
            int(b)
            for b in walls.tree.query(shapely.Point(cx, cy), predicate="dwithin", distance=1.0).tolist()
        }
        own |= {int(b) for b in walls.tree.query(shapely.Point(x, y), predicate="intersects").tolist()}
        hits = [b for b in walls.tree.query(line, predicate="intersects").tolist() if b not in own]
        if hits:
            best = min(best, Verdict.BLOCKED)
            continue
        mine = [k for k in range(len(spans.camera)) if spans.camera[k] == c]
        if mine and t >= min(int(spans.start_ms[k]) for k in mine):
            online = any(spans.start_ms[k] <= t <= spans.end_ms[k] for k in mine)
        else:
            online = bool(cams.status_online[c])
        best = min(best, Verdict.SEEN if online else Verdict.CAMERA_OFFLINE)
    return best


def test_the_table_counts_each_group_and_the_reasons() -> None:
    found = np.array([0, 0, 1, 4, 0, 2], dtype=np.int8)
    keys: list[str | int | None] = ["b", "a", "a", None, "b", "b"]
    total, rows = table(found, keys)
    assert (total.incidents, total.seen) == (6, 3)
    assert total.not_seen == {"camera_offline": 1, "blocked": 1, "out_of_view": 0, "no_camera_near": 1}
    assert [(r.key, r.incidents, r.seen) for r in rows] == [("a", 2, 1), ("b", 3, 2), (None, 1, 0)]
    assert rows[1].share == 2 / 3
    empty_total, empty_rows = table(np.array([], dtype=np.int8), [])
    assert empty_total.share is None and empty_rows == []


def test_hot_spots_rank_cells_by_priority_weight() -> None:
    x = np.array([10.0, 20.0, 30.0, 450.0, 460.0, -10.0])
    y = np.array([10.0, 20.0, 30.0, 450.0, 460.0, 10.0])
    found = np.array([4, 4, 0, 3, 3, 4], dtype=np.int8)  # the third was seen
    priority = np.array([4, 4, 1, 1, 2, 1], dtype=np.int64)
    weight = np.array([1.0, 1.0, 4.0, 4.0, 3.0, 4.0])
    spots, cells = hotspots(x, y, found, priority, weight, cell_m=200.0, top=2)
    assert cells == 3
    assert [(s.ix, s.iy, s.incidents, s.weight) for s in spots] == [(2, 2, 2, 7.0), (-1, 0, 1, 4.0)]
    assert spots[0].by_reason == {"out_of_view": 2} and spots[0].by_priority == {1: 1, 2: 1}
    ix, iy = cell_of(np.array([-0.5, 399.9]), np.array([0.0, 200.0]), 200.0)
    assert ix.tolist() == [-1, 1] and iy.tolist() == [0, 1]
    projection = LocalProjection(42.5, 1.52)
    ring = cell_ring(spots[0], 200.0, projection)
    polygon = shapely.Polygon(ring)
    lat, lon = projection.to_latlon(450.0, 450.0)
    assert polygon.contains(shapely.Point(float(lon), float(lat))) and ring[0] == ring[-1]
    body = to_geojson(spots, cell_m=200.0, projection=projection, summary={"uncovered": 5})
    assert body["coverage"] == {"uncovered": 5}
    assert [f["properties"]["rank"] for f in body["features"]] == [1, 2]
