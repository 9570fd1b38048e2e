"""Road travel times for the simulation: whole-graph searches from each post, done once, then table look-ups.

The live recommender ranks units by an exact k-best search from the incident (`kuzet.geo.eta`). A simulation
asks the same question hundreds of thousands of times for a few dozen fixed posts, so it runs one forward
and one backward Dijkstra (scipy, which DESIGN §3 keeps for whole-graph jobs) per post and reads the tables:
`to_node[p, n]` is the time from post p to node n, `to_post[p, n]` from node n back to post p. A unit with a
patrol sector has a table row for each of the sector's nodes; `place` puts each free patrolling unit at one of
them, each equally likely, and `back_to_post` drives it to the sector's nearest node. Foot units use
the same roads at walking pace. The time-of-day factor of the settings (`travel_time_factors`, "HH-HH" →
multiplier, as `kuzet.geo.runtime.time_factor` reads it) multiplies every edge alike, as the recommender's
engine per factor does, so it multiplies the tabled times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from kuzet.geo.graph import F64, RoadGraph
from kuzet.geo.runtime import time_factor
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.scenario import UnitSpec
from kuzet.units.domain import UnitType

FOOT_KMH = 5.0


def hourly_factors(factors: Mapping[str, float] | None) -> F64:
    """The travel-time multiplier of each local hour 0..23."""
    table = np.ones(24, dtype=np.float64)
    if factors:
        base = datetime(2025, 1, 1, tzinfo=UTC)
        for hour in range(24):
            # 19:00 UTC is midnight in Asia/Almaty (UTC+5): walk the local hours.
            table[hour] = time_factor(dict(factors), base + timedelta(hours=19 + hour))
    if not (table > 0).all():
        raise PlanningInputError("travel_time_factors", "every factor must be positive")
    return table


class TravelTable:
    """Times between posts and every node of the graph, for cars and for foot units."""

    def __init__(
        self,
        graph: RoadGraph,
        posts: Sequence[int],
        *,
        foot: Sequence[bool] | None = None,
        sectors: Sequence[Sequence[int]] | None = None,
    ) -> None:
        self.graph = graph
        nodes = np.asarray(posts, dtype=np.int64)
        patrols = [tuple(x) for x in sectors] if sectors is not None else [()] * len(nodes)
        if len(patrols) != len(nodes):
            raise PlanningInputError("sectors", f"{len(patrols)} sectors for {len(nodes)} units")
        for i, node in enumerate(nodes):
            for where, value in [(f"units[{i}].post_node", int(node))] + [
                (f"units[{i}].sector[{k}]", int(v)) for k, v in enumerate(patrols[i])
            ]:
                if not 0 <= value < graph.node_count:
                    raise PlanningInputError(where, f"node {value} is not in the road graph")
        self.posts = nodes
        every = np.concatenate([nodes, *(np.asarray(x, dtype=np.int64) for x in patrols if x)])
        unique = np.unique(every)
        self.row = np.searchsorted(unique, nodes)  # each unit's row now: its post, or where it patrols
        self.row_node = unique
        self.sector_rows = [np.searchsorted(unique, np.asarray(x, dtype=np.int64)) for x in patrols]
        self.patrolling = np.array([len(x) > 0 for x in patrols], dtype=bool)
        sizes = np.array([len(x) for x in patrols], dtype=np.int64)
        self._sizes, self._offsets = sizes, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._flat_rows = np.concatenate([np.zeros(0, dtype=np.int64), *self.sector_rows])
        on_foot = np.zeros(len(nodes), dtype=bool) if foot is None else np.asarray(foot, dtype=bool)
        n = graph.node_count
        car = graph.travel_seconds()
        walk = graph.length_m / (FOOT_KMH / 3.6)
        self._car = _tables(graph, unique, car, n)
        self._walk = _tables(graph, unique, walk, n) if on_foot.any() else self._car
        self.foot = on_foot
        self._rows_from: dict[int, F64] = {}
        self._car_csr = csr_matrix((car, graph.head, graph.indptr), shape=(n, n))

    @classmethod
    def for_units(cls, graph: RoadGraph, units: Sequence[UnitSpec]) -> TravelTable:
        """The tables of a scenario's units: their posts or sectors, and foot units at walking pace."""
        return cls(
            graph,
            [u.post_node for u in units],
            foot=[u.type is UnitType.FOOT_PATROL for u in units],
            sectors=[u.sector for u in units],
        )

    def place(self, rng: np.random.Generator, free: npt.NDArray[np.bool_]) -> None:
        """Put each patrolling unit marked `free` (not driving back) at a random node of its sector."""
        units = np.flatnonzero(self.patrolling & free)
        if len(units):
            pick = (rng.random(len(units)) * self._sizes[units]).astype(np.int64)
            self.row[units] = self._flat_rows[self._offsets[units] + pick]

    def where(self) -> npt.NDArray[np.int64]:
        """The node each unit's times are now counted from."""
        return np.asarray(self.row_node[self.row], dtype=np.int64)

    def to_node(self, unit: int, node: int) -> float:
        table = self._walk if self.foot[unit] else self._car
        return float(table[0][self.row[unit], node])

    def to_node_all(self, node: int) -> F64:
        """Every unit's time from its post to `node` (free flow)."""
        car = self._car[0][self.row, node]
        if self.foot.any():
            car = np.where(self.foot, self._walk[0][self.row, node], car)
        return np.asarray(car, dtype=np.float64)

    def back_to_post(self, unit: int, node: int) -> float:
        """The drive from `node` back to the unit's post, or to its sector's nearest node (it then counts
        its times from there until it is placed again)."""
        table = self._walk if self.foot[unit] else self._car
        if not self.patrolling[unit]:
            return float(table[1][self.row[unit], node])
        rows = self.sector_rows[unit]
        back = table[1][rows, node]
        nearest = int(np.argmin(back))
        self.row[unit] = rows[nearest]
        return float(back[nearest])

    def between(self, origin: int, node: int) -> float:
        """Car time from any node to another (one search per origin, cached: used rarely, for diversions)."""
        row = self._rows_from.get(origin)
        if row is None:
            row = np.asarray(dijkstra(self._car_csr, indices=origin), dtype=np.float64)
            self._rows_from[origin] = row
        return float(row[node])


def _tables(graph: RoadGraph, sources: F64 | np.ndarray, weight: F64, n: int) -> tuple[F64, F64]:
    forward = csr_matrix((weight, graph.head, graph.indptr), shape=(n, n))
    out = np.asarray(dijkstra(forward, indices=sources), dtype=np.float64)
    back = np.asarray(dijkstra(forward.T.tocsr(), indices=sources), dtype=np.float64)
    return out.reshape(len(sources), n), back.reshape(len(sources), n)


def nearest_nodes(graph: RoadGraph, lat: F64, lon: F64) -> np.ndarray:
    """The graph node nearest each point (equirectangular metres around the graph's mean latitude)."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    scale = np.cos(np.radians(float(np.mean(graph.lat))))
    tree = cKDTree(np.column_stack((graph.lat, graph.lon * scale)))
    _, index = tree.query(np.column_stack((lat, lon * scale)))
    return np.asarray(index, dtype=np.int64)
