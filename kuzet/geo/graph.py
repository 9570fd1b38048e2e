"""The road graph: compact numpy arrays in CSR form, saved as one uncompressed `.npz`.

Every OSM node used by a drivable way is a graph node, so the geometry of an edge is the straight segment
between its two nodes. Edges are directed; a two-way street is two edges, each the `twin` of the other. At
most one edge joins a given ordered pair of nodes.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from kuzet.geo.speeds import RoadClass

FORMAT_VERSION: Final = 1
EARTH_RADIUS_M: Final = 6_371_008.8

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]


class GraphError(Exception):
    """A road graph could not be read, built or loaded; the message names the file and the reason."""


def haversine_m(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Great-circle distance in metres between paired points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    result: F64 = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def class_factors(factors: Mapping[int, float] | None) -> F64:
    """Per-class multipliers of travel time as an array indexed by class id (missing classes: 1.0)."""
    table = np.ones(len(RoadClass), dtype=np.float64)
    for cls, factor in (factors or {}).items():
        if not factor > 0:
            raise ValueError(f"the time factor of class {cls} must be positive, not {factor}")
        table[int(cls)] = factor
    return table


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph in CSR form with its reverse, for forward and backward searches.

    Edge `e` goes from `tail[e]` to `head[e]`; the forward edges of node `n` are `indptr[n]:indptr[n+1]`.
    The reverse CSR lists, for node `n`, its incoming edges `rev_edge[rev_indptr[n]:rev_indptr[n+1]]`
    (forward edge indices). `twin[e]` is the edge running the other way along the same segment, or -1.
    """

    lat: F64
    lon: F64
    indptr: I64
    head: I32
    length_m: F64
    speed_kmh: F32
    road_class: U8
    rev_indptr: I64
    rev_edge: I32
    meta: Mapping[str, Any] = field(default_factory=dict)
    # Derived from the arrays above when not given (empty); stored in the file so loading skips the sort.
    tail: I32 = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    twin: I32 = field(default_factory=lambda: np.empty(0, dtype=np.int32))

    def __post_init__(self) -> None:
        if len(self.tail) != self.edge_count:
            counts = np.diff(self.indptr)
            object.__setattr__(self, "tail", np.repeat(np.arange(self.node_count, dtype=np.int32), counts))
        if len(self.twin) != self.edge_count:
            object.__setattr__(self, "twin", _twins(self.node_count, self.tail, self.head))

    @property
    def node_count(self) -> int:
        return len(self.lat)

    @property
    def edge_count(self) -> int:
        return len(self.head)

    def travel_seconds(self, factors: Mapping[int, float] | None = None) -> F64:
        """Seconds to drive each edge, with optional per-class multipliers (e.g. rush hour in the centre)."""
        seconds: F64 = self.length_m / (self.speed_kmh.astype(np.float64) / 3.6)
        if factors:
            seconds = seconds * class_factors(factors)[self.road_class]
        return seconds

    def save(self, path: Path | str) -> None:
        """Write the graph as one uncompressed `.npz` (fast to load) with its metadata as JSON."""
        meta = dict(self.meta) | {"format_version": FORMAT_VERSION}
        with Path(path).open("wb") as out:
            np.savez(
                out,
                lat=self.lat,
                lon=self.lon,
                indptr=self.indptr,
                head=self.head,
                length_m=self.length_m,
                speed_kmh=self.speed_kmh,
                road_class=self.road_class,
                rev_indptr=self.rev_indptr,
                rev_edge=self.rev_edge,
                tail=self.tail,
                twin=self.twin,
                meta=np.array(json.dumps(meta)),
            )

    @classmethod
    def load(cls, path: Path | str) -> RoadGraph:
        """Read a graph written by `save`; any problem raises GraphError naming the file."""
        path = Path(path)
        if not path.is_file():
            raise GraphError(f"road graph {path}: no such file")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise GraphError(f"road graph {path}: not a readable .npz file ({exc})") from exc
        try:
            meta = json.loads(str(arrays.pop("meta")))
        except (KeyError, ValueError) as exc:
            raise GraphError(f"road graph {path}: metadata missing or corrupt") from exc
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise GraphError(f"road graph {path}: format version {version}, expected {FORMAT_VERSION}")
        try:
            graph = cls(
                lat=arrays["lat"].astype(np.float64, copy=False),
                lon=arrays["lon"].astype(np.float64, copy=False),
                indptr=arrays["indptr"].astype(np.int64, copy=False),
                head=arrays["head"].astype(np.int32, copy=False),
                length_m=arrays["length_m"].astype(np.float64, copy=False),
                speed_kmh=arrays["speed_kmh"].astype(np.float32, copy=False),
                road_class=arrays["road_class"].astype(np.uint8, copy=False),
                rev_indptr=arrays["rev_indptr"].astype(np.int64, copy=False),
                rev_edge=arrays["rev_edge"].astype(np.int32, copy=False),
                tail=arrays["tail"].astype(np.int32, copy=False),
                twin=arrays["twin"].astype(np.int32, copy=False),
                meta=meta,
            )
        except KeyError as exc:
            raise GraphError(f"road graph {path}: array {exc} is missing") from exc
        graph.check(str(path))
        return graph

    def check(self, source: str = "road graph") -> None:
        """Raise GraphError if the arrays do not describe a consistent graph."""
        n, m = self.node_count, self.edge_count
        problems = []
        if len(self.lon) != n or len(self.indptr) != n + 1 or len(self.rev_indptr) != n + 1:
            problems.append("node arrays disagree in length")
        elif self.indptr[0] != 0 or self.indptr[-1] != m or self.rev_indptr[-1] != m:
            problems.append("CSR offsets do not cover the edges")
        if any(len(a) != m for a in (self.length_m, self.speed_kmh, self.road_class, self.rev_edge)):
            problems.append("edge arrays disagree in length")
        if m and (self.head.min() < 0 or self.head.max() >= n):
            problems.append("an edge points outside the nodes")
        if len(self.tail) != m or len(self.twin) != m:
            problems.append("derived edge arrays disagree in length")
        if m and not (self.speed_kmh > 0).all():
            problems.append("a speed is not positive")
        if problems:
            raise GraphError(f"{source}: {'; '.join(problems)}")


def _twins(node_count: int, tail: I32, head: I32) -> I32:
    """For each edge u→v, the index of edge v→u, or -1 if the segment is one-way."""
    twin = np.full(len(head), -1, dtype=np.int32)
    if len(head) == 0:
        return twin
    key = tail.astype(np.int64) * node_count + head
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    wanted = head.astype(np.int64) * node_count + tail
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(key) - 1)
    found = sorted_keys[pos] == wanted
    twin[found] = order[pos[found]]
    return twin


def build_graph(
    lat: F64,
    lon: F64,
    tail: npt.NDArray[np.integer[Any]],
    head: npt.NDArray[np.integer[Any]],
    speed_kmh: npt.NDArray[np.floating[Any]],
    road_class: npt.NDArray[np.integer[Any]],
    meta: Mapping[str, Any] | None = None,
) -> RoadGraph:
    """Assemble a RoadGraph from an edge list; lengths come from the node coordinates.

    Self-loops are dropped, and of several edges joining the same ordered pair only the fastest is kept.
    """
    n = len(lat)
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    speed = np.asarray(speed_kmh, dtype=np.float32)
    classes = np.asarray(road_class, dtype=np.uint8)
    keep = tail != head
    tail, head, speed, classes = tail[keep], head[keep], speed[keep], classes[keep]
    length = haversine_m(lat[tail], lon[tail], lat[head], lon[head])
    # Sort by (tail, head, time) and keep the first of each pair: CSR order plus deduplication in one go.
    order = np.lexsort((length / speed, head, tail))
    tail, head, speed, classes, length = tail[order], head[order], speed[order], classes[order], length[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, speed, classes, length = tail[first], head[first], speed[first], classes[first], length[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    rev_edge = np.argsort(head, kind="stable").astype(np.int32)
    rev_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(head, minlength=n), out=rev_indptr[1:])
    graph = RoadGraph(
        lat=np.ascontiguousarray(lat, dtype=np.float64),
        lon=np.ascontiguousarray(lon, dtype=np.float64),
        indptr=indptr,
        head=head.astype(np.int32),
        length_m=length,
        speed_kmh=speed,
        road_class=classes,
        rev_indptr=rev_indptr,
        rev_edge=rev_edge,
        meta=dict(meta or {}),
    )
    graph.check()
    return graph
