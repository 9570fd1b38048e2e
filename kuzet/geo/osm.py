"""Import an OSM extract (.osm.pbf, .osm, .osm.bz2) into a RoadGraph with pyosmium.

One streaming pass reads the drivable ways (with node locations), the settlement place nodes and the
settlement areas (pyosmium assembles closed ways and multipolygon/boundary relations; a relation cut by the
extract's edge cannot be assembled and is left out). Each way gets a class, a direction and a speed
(`kuzet.geo.speeds`). A way is inside a settlement when its middle node lies in a settlement area (a `place`
area, built-up `landuse`, a settlement's administrative boundary), within the radius of a place node that no
settlement boundary covers, or among dense streets where the map draws neither. Every node of a drivable way
becomes a graph node, and each pair of consecutive nodes becomes one edge per allowed direction. Only the
largest strongly connected component is kept, so that every unit can reach every incident; the report says
what was dropped.

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
import shapely  # type: ignore[import-untyped]
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.graph import EARTH_RADIUS_M, F64, GraphError, RoadGraph, build_graph, haversine_m
from kuzet.geo.speeds import (
    BACKWARD,
    FORWARD,
    ROADS_LEFT_OUT_OF_DENSITY,
    RoadClass,
    SpeedRules,
    oneway_direction,
    road_class,
)

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
_AREA_KEYS: Final = ("place", "landuse", "boundary", "border_type", "admin_level")
_PROGRESS_EVERY: Final = 5000
# Road density is summed on a grid of cells this wide, over the 3 x 3 cells around a way: about 1 km².
_DENSITY_CELL_M: Final = 1000.0 / 3
_METRES_PER_DEGREE: Final = EARTH_RADIUS_M * np.pi / 180


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
    settlement_areas: int
    ways_in_settlement: int


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
    # Settlement areas: boundaries (a settlement's whole extent) and built-up land uses inside one.
    boundaries: list[shapely.Polygon]
    landuse: list[shapely.Polygon]


def area_polygons(area: osmium.osm.Area) -> list[shapely.Polygon]:
    """The polygons (lon/lat, with holes) of an assembled area; a ring too short to enclose is skipped."""
    polygons = []
    for outer in area.outer_rings():
        shell = [(node.lon, node.lat) for node in outer]
        if len(shell) < 4:
            continue
        holes = [[(node.lon, node.lat) for node in inner] for inner in area.inner_rings(outer)]
        polygons.append(shapely.Polygon(shell, [hole for hole in holes if len(hole) >= 4]))
    return polygons


def _read(path: Path, rules: SpeedRules, progress: Progress | None) -> _Ways:
    ways = _Ways([], [], [], [], [], [], [], [], [], [])
    # Relations are assembled only if they may be settlements; osmium assembles every closed way, and the
    # filter after it lets through only the areas (and ways, nodes) with one of these keys.
    candidates = osmium.filter.KeyFilter("place", "landuse", "boundary")
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(candidates)
        .with_filter(osmium.filter.KeyFilter("highway", "place", "landuse", "boundary"))
    )
    for obj in processor:
        if isinstance(obj, osmium.osm.Area):
            area_tags = {key: value for key in _AREA_KEYS if (value := obj.tags.get(key)) is not None}
            if rules.is_settlement_boundary(area_tags):
                ways.boundaries.extend(area_polygons(obj))
            elif rules.is_settlement_area(area_tags):
                ways.landuse.extend(area_polygons(obj))
            continue
        if isinstance(obj, osmium.osm.Node):
            kind = obj.tags.get("place")
            if kind is not None and kind in rules.place_radii_m and obj.location.valid():
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


def _covered(polygons: list[shapely.Polygon], lat: F64, lon: F64) -> np.ndarray[Any, Any]:
    """Which points lie in (or on the edge of) any of the polygons."""
    inside = np.zeros(len(lat), dtype=bool)
    if polygons and len(lat):
        hits, _ = shapely.STRtree(polygons).query(shapely.points(lon, lat), predicate="intersects")
        inside[hits] = True
    return inside


def _grid_cells(lat: F64, lon: F64, row_offset: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Row and column of the cell `row_offset` rows from each point's; cells are square on the ground."""
    row = np.floor(lat * _METRES_PER_DEGREE / _DENSITY_CELL_M).astype(np.int64) + row_offset
    row_lat = (row + 0.5) * _DENSITY_CELL_M / _METRES_PER_DEGREE
    metres_east = lon * _METRES_PER_DEGREE * np.cos(np.radians(row_lat))
    column = np.floor(metres_east / _DENSITY_CELL_M).astype(np.int64)
    return row, column


def road_density(lat: F64, lon: F64, seg_lat: F64, seg_lon: F64, seg_m: F64) -> F64:
    """Km of road per km² in the 1 km square around each point, from segments (midpoint and length)."""
    density: F64 = np.zeros(len(lat))
    known = np.isfinite(lat) & np.isfinite(lon)
    if len(seg_m) == 0 or not known.any():
        return density
    lat, lon = lat[known], lon[known]
    rows, columns = _grid_cells(seg_lat, seg_lon, 0)
    cells, which = np.unique(rows * (1 << 32) + columns, return_inverse=True)
    metres = np.bincount(which, weights=seg_m)
    for row_offset in (-1, 0, 1):
        rows, columns = _grid_cells(lat, lon, row_offset)
        for column_offset in (-1, 0, 1):
            wanted = rows * (1 << 32) + columns + column_offset
            found = np.minimum(np.searchsorted(cells, wanted), len(cells) - 1)
            density[known] += np.where(cells[found] == wanted, metres[found], 0.0)
    window_km2 = (3 * _DENSITY_CELL_M / 1000) ** 2
    result: F64 = density / 1000 / window_km2
    return result


def _in_settlement(
    ways: _Ways, mid_lat: F64, mid_lon: F64, dense: np.ndarray[Any, Any], rules: SpeedRules
) -> np.ndarray[Any, Any]:
    """Which way midpoints lie in a settlement: in a settlement area, near a place node left uncovered, or
    among dense streets (`dense`, computed by the caller)."""
    inside: np.ndarray[Any, Any] = _covered(ways.boundaries + ways.landuse, mid_lat, mid_lon) | dense
    if not ways.places or len(mid_lat) == 0:
        return inside
    places = np.array([(lat, lon) for lat, lon, _ in ways.places], dtype=np.float64)
    kinds = np.array([kind for _, _, kind in ways.places])
    # A place node inside a settlement boundary is already drawn by it: its radius would only guess again.
    uncovered = ~_covered(ways.boundaries, places[:, 0], places[:, 1])
    points = _unit_xyz(mid_lat, mid_lon)
    for kind, radius in rules.place_radii_m.items():
        coords = places[uncovered & (kinds == kind)]
        if not len(coords):
            continue
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
        ways = _read(path, rules, progress)
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
    classes = np.array(ways.classes, dtype=np.uint8)

    # Segments: consecutive node pairs of the same way, both with a known location.
    a = np.arange(len(refs) - 1)
    a = a[(way_of[a] == way_of[a + 1]) & np.isfinite(lats[a]) & np.isfinite(lats[a + 1])]

    # Speed per way: posted limit, or the default for its class inside or outside a settlement.
    middle = starts + (ends - starts) // 2
    dense = np.zeros(len(starts), dtype=bool)
    if rules.settlement_road_density is not None:
        counted = a[~np.isin(classes[way_of[a]], [int(cls) for cls in ROADS_LEFT_OUT_OF_DENSITY])]
        b = counted + 1
        density = road_density(
            lats[middle],
            lons[middle],
            (lats[counted] + lats[b]) / 2,
            (lons[counted] + lons[b]) / 2,
            haversine_m(lats[counted], lons[counted], lats[b], lons[b]),
        )
        dense = density >= rules.settlement_road_density
    settled = _in_settlement(ways, lats[middle], lons[middle], dense, rules)
    way_speed = np.array(
        [
            rules.way_speed(RoadClass(cls), maxspeed, in_settlement=bool(inside))
            for cls, maxspeed, inside in zip(ways.classes, ways.maxspeeds, settled, strict=True)
        ],
        dtype=np.float64,
    )
    directions = np.array(ways.directions, dtype=np.int8)
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
        settlement_areas=len(ways.boundaries) + len(ways.landuse),
        ways_in_settlement=int(settled.sum()),
    )
    if progress is not None:
        progress("done", graph.node_count)
    return Imported(graph=graph, report=report)
