"""Import an OSM extract (.osm.pbf, .osm, .osm.bz2) into a RoadGraph with pyosmium.

One streaming pass reads the drivable ways (with node locations) and the settlement place nodes. Each way gets
a class, a direction and a speed (`kuzet.geo.speeds`); every node of a drivable way becomes a graph node, and
each pair of consecutive nodes becomes one edge per allowed direction. Only the largest strongly connected
component is kept, so that every unit can reach every incident; the report says what was dropped.

Not supported: turn restrictions (`type=restriction` relations) and conditional or direction-specific tags
such as `maxspeed:forward` or `oneway:conditional`; the graph lets a car turn wherever two ways share a node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import osmium
import osmium.filter
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.graph import EARTH_RADIUS_M, F64, GraphError, RoadGraph, build_graph
from kuzet.geo.speeds import BACKWARD, FORWARD, RoadClass, SpeedRules, oneway_direction, road_class

Progress = Callable[[str, int], None]
BBox = tuple[float, float, float, float]

_TAG_KEYS: Final = (
    "highway",
    "area",
    "service",
    "motorcar",
    "motor_vehicle",
    "vehicle",
    "access",
    "oneway",
    "junction",
    "maxspeed",
)
_PROGRESS_EVERY: Final = 5000


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What the import read and what it left out."""

    ways_read: int
    nodes: int
    edges: int
    nodes_before_components: int
    edges_before_components: int
    components_dropped: int
    nodes_dropped: int
    edges_dropped: int
    duplicate_edges: int


@dataclass(frozen=True, slots=True)
class Imported:
    graph: RoadGraph
    report: ImportReport


@dataclass(slots=True)
class _Ways:
    """Drivable ways as flat columns while the file streams by."""

    refs: list[int]
    lats: list[float]
    lons: list[float]
    starts: list[int]
    classes: list[int]
    directions: list[int]
    maxspeeds: list[str | None]
    places: list[tuple[float, float, str]]


def _read(path: Path, progress: Progress | None) -> _Ways:
    ways = _Ways([], [], [], [], [], [], [], [])
    place_kinds = set(SpeedRules().place_radii_m) | {"city", "town", "village"}
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway", "place"))
    )
    for obj in processor:
        if isinstance(obj, osmium.osm.Node):
            kind = obj.tags.get("place")
            if kind in place_kinds and obj.location.valid():
                ways.places.append((obj.location.lat, obj.location.lon, kind))
            continue
        if not isinstance(obj, osmium.osm.Way):
            continue
        tags = {key: value for key in _TAG_KEYS if (value := obj.tags.get(key)) is not None}
        cls = road_class(tags)
        if cls is None or len(obj.nodes) < 2:
            continue
        ways.starts.append(len(ways.refs))
        for node in obj.nodes:
            location = node.location
            ways.refs.append(node.ref)
            if location.valid():
                ways.lats.append(location.lat)
                ways.lons.append(location.lon)
            else:
                ways.lats.append(np.nan)
                ways.lons.append(np.nan)
        ways.classes.append(int(cls))
        ways.directions.append(oneway_direction(tags))
        ways.maxspeeds.append(tags.get("maxspeed"))
        if progress is not None and len(ways.starts) % _PROGRESS_EVERY == 0:
            progress("ways", len(ways.starts))
    return ways


def _unit_xyz(lat: F64, lon: F64) -> F64:
    """Points on a sphere of the Earth's radius, so chord distances are metres at any latitude."""
    phi, lam = np.radians(lat), np.radians(lon)
    xyz: F64 = EARTH_RADIUS_M * np.column_stack(
        (np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi))
    )
    return xyz


def _in_settlement(ways: _Ways, mid_lat: F64, mid_lon: F64, rules: SpeedRules) -> np.ndarray[Any, Any]:
    inside = np.zeros(len(mid_lat), dtype=bool)
    if not ways.places or len(mid_lat) == 0:
        return inside
    points = _unit_xyz(mid_lat, mid_lon)
    for kind, radius in rules.place_radii_m.items():
        found = [(lat, lon) for lat, lon, k in ways.places if k == kind]
        if not found:
            continue
        coords = np.array(found, dtype=np.float64)
        tree = cKDTree(_unit_xyz(coords[:, 0], coords[:, 1]))
        distance, _ = tree.query(points, k=1, distance_upper_bound=radius)
        inside |= np.isfinite(distance)
    return inside


def _spatial_order(lat: F64, lon: F64) -> np.ndarray[Any, Any]:
    """A Z-order (Morton) permutation of the nodes, so that nodes near on the map are near in memory."""
    if len(lat) == 0:
        return np.arange(0)
    scale = (1 << 16) - 1

    def quantise(values: F64) -> np.ndarray[Any, Any]:
        span = max(float(values.max() - values.min()), 1e-12)
        cells: np.ndarray[Any, Any] = ((values - values.min()) / span * scale).astype(np.uint64)
        return cells

    x, y = quantise(lon), quantise(lat)
    code = np.zeros(len(lat), dtype=np.uint64)
    for bit in range(16):
        one = np.uint64(1)
        code |= ((x >> np.uint64(bit)) & one) << np.uint64(2 * bit)
        code |= ((y >> np.uint64(bit)) & one) << np.uint64(2 * bit + 1)
    order: np.ndarray[Any, Any] = np.argsort(code, kind="stable")
    return order


def import_osm(
    path: Path | str,
    *,
    bbox: BBox | None = None,
    rules: SpeedRules | None = None,
    progress: Progress | None = None,
) -> Imported:
    """Read an OSM extract and build the road graph of its largest strongly connected component.

    `bbox` is (min_lon, min_lat, max_lon, max_lat): only edges with both ends inside are kept. `progress`,
    if given, is called with a stage name and a running count. Raises GraphError for a missing, unreadable
    or malformed file and for an extract (or bbox) without drivable roads.
    """
    path = Path(path)
    rules = rules or SpeedRules()
    if not path.is_file():
        raise GraphError(f"OSM extract {path}: no such file")
    try:
        ways = _read(path, progress)
    except (RuntimeError, ValueError, OSError) as exc:
        raise GraphError(f"OSM extract {path}: cannot be read ({exc})") from exc
    if not ways.starts:
        raise GraphError(f"OSM extract {path}: no drivable roads found")
    if progress is not None:
        progress("building", len(ways.starts))

    refs = np.array(ways.refs, dtype=np.int64)
    lats = np.array(ways.lats, dtype=np.float64)
    lons = np.array(ways.lons, dtype=np.float64)
    starts = np.array(ways.starts, dtype=np.int64)
    ends = np.append(starts[1:], len(refs))
    way_of = np.repeat(np.arange(len(starts)), ends - starts)

    # Speed per way: posted limit, or the default for its class inside or outside a settlement.
    middle = starts + (ends - starts) // 2
    settled = _in_settlement(ways, lats[middle], lons[middle], rules)
    way_speed = np.array(
        [
            rules.way_speed(RoadClass(cls), maxspeed, in_settlement=bool(inside))
            for cls, maxspeed, inside in zip(ways.classes, ways.maxspeeds, settled, strict=True)
        ],
        dtype=np.float64,
    )
    classes = np.array(ways.classes, dtype=np.uint8)
    directions = np.array(ways.directions, dtype=np.int8)

    # Segments: consecutive node pairs of the same way, both with a known location.
    a = np.arange(len(refs) - 1)
    a = a[(way_of[a] == way_of[a + 1]) & np.isfinite(lats[a]) & np.isfinite(lats[a + 1])]
    b = a + 1
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        inside = (lons >= min_lon) & (lons <= max_lon) & (lats >= min_lat) & (lats <= max_lat)
        keep = inside[a] & inside[b]
        a, b = a[keep], b[keep]
    if len(a) == 0:
        where = f" inside bbox {bbox}" if bbox is not None else ""
        raise GraphError(f"OSM extract {path}: no drivable roads{where}")
    seg_way = way_of[a]
    forward = directions[seg_way] != BACKWARD
    backward = directions[seg_way] != FORWARD
    tail_pos = np.concatenate((a[forward], b[backward]))
    head_pos = np.concatenate((b[forward], a[backward]))
    edge_way = np.concatenate((seg_way[forward], seg_way[backward]))

    # Graph nodes: the distinct OSM nodes used by the kept segments.
    node_ids, inverse = np.unique(refs[np.concatenate((tail_pos, head_pos))], return_inverse=True)
    tail, head = np.split(inverse, 2)
    node_lat = np.empty(len(node_ids))
    node_lon = np.empty(len(node_ids))
    node_lat[inverse] = lats[np.concatenate((tail_pos, head_pos))]
    node_lon[inverse] = lons[np.concatenate((tail_pos, head_pos))]

    if progress is not None:
        progress("components", len(node_ids))
    n = len(node_ids)
    adjacency = csr_matrix((np.ones(len(tail), dtype=np.int8), (tail, head)), shape=(n, n))
    component_count, labels = connected_components(adjacency, directed=True, connection="strong")
    largest = np.argmax(np.bincount(labels))
    kept = labels == largest
    edge_kept = kept[tail] & kept[head]
    order = _spatial_order(node_lat[kept], node_lon[kept])
    renumber = np.full(n, -1, dtype=np.int64)
    renumber[np.flatnonzero(kept)[order]] = np.arange(int(kept.sum()))

    meta = {
        "source": path.name,
        "bbox": list(bbox) if bbox is not None else None,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "turn_restrictions": False,
    }
    graph = build_graph(
        node_lat[kept][order],
        node_lon[kept][order],
        renumber[tail[edge_kept]],
        renumber[head[edge_kept]],
        way_speed[edge_way[edge_kept]],
        classes[edge_way[edge_kept]],
        meta,
    )
    report = ImportReport(
        ways_read=len(starts),
        nodes=graph.node_count,
        edges=graph.edge_count,
        nodes_before_components=n,
        edges_before_components=len(tail),
        components_dropped=component_count - 1,
        nodes_dropped=n - graph.node_count,
        edges_dropped=len(tail) - int(edge_kept.sum()),
        duplicate_edges=int(edge_kept.sum()) - graph.edge_count,
    )
    if progress is not None:
        progress("done", graph.node_count)
    return Imported(graph=graph, report=report)
