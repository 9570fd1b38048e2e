"""Road times and the dispatcher's choice for the simulated past year, as the live recommender makes it.

The recommender (`kuzet.dispatch`) offers the fitting units ranked by their road ETA to the incident, with the
hour's travel-time factor, and the dispatcher sends the first. The past year does the same on tables: one
forward and one backward road search per post (`kuzet.planning.travel.TravelTable`, on the same road graph and
speeds as the ETA engine), then look-ups, so that a year of 20,000 incidents draws in about a second. A unit
works from its post: when it clears it drives back there, and until it is back its ETA is the time left to
the post plus the post's time to the incident (an upper bound, as in the planning simulation). A unit is free
once it clears; when no fitting unit is free, the incident waits for the first one that is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.core.clock import to_local
from kuzet.dispatch.recommend import may_respond
from kuzet.geo.graph import RoadGraph
from kuzet.incidents.catalogue import Category
from kuzet.planning.travel import TravelTable, hourly_factors, nearest_nodes
from kuzet.units.domain import UnitType


@dataclass(frozen=True)
class Sent:
    unit: int  # index in the roster given to RoadTimes
    at: datetime  # when it is sent (later than asked when every fitting unit was busy)
    travel_s: float


class RoadTimes:
    """The roster's posts on the road graph, each unit's state, and the nearest free unit by road."""

    def __init__(
        self,
        graph: RoadGraph,
        posts: Sequence[tuple[float, float]],
        types: Sequence[UnitType],
        travel_time_factors: Mapping[str, float] | None = None,
    ) -> None:
        self.graph = graph
        self.types = list(types)
        nodes = nearest_nodes(graph, np.array([p[0] for p in posts]), np.array([p[1] for p in posts]))
        self.foot = np.array([t is UnitType.FOOT_PATROL for t in types], dtype=bool)
        self.table = TravelTable(graph, nodes.tolist(), foot=self.foot.tolist())
        self.factor = hourly_factors(travel_time_factors)
        n = len(types)
        self.busy_until = np.zeros(n)  # epoch seconds when the unit clears its current incident
        self.back_at = np.zeros(n)  # epoch seconds when it is back at its post
        self._fit: dict[tuple[str, int], np.ndarray] = {}
        self._nodes: dict[tuple[float, float], int] = {}
        self._scale = float(np.cos(np.radians(float(np.mean(graph.lat)))))
        self._tree = cKDTree(np.column_stack((graph.lat, graph.lon * self._scale)))

    def node(self, lat: float, lon: float) -> int:
        key = (lat, lon)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = int(self._tree.query((lat, lon * self._scale))[1])
        return found

    def _fitting(self, category: Category) -> np.ndarray:
        key = (category.group.value, category.priority)
        fit = self._fit.get(key)
        if fit is None:
            fit = np.array([may_respond(t, category.group, category.priority) for t in self.types])
            if not fit.any():
                fit = np.ones(len(self.types), dtype=bool)
            self._fit[key] = fit
        return fit

    def _eta(self, node: int, at: float, local_hour: int) -> np.ndarray:
        factor = np.where(self.foot, 1.0, self.factor[local_hour])
        eta: np.ndarray = np.maximum(self.back_at - at, 0.0) + self.table.to_node_all(node) * factor
        return eta

    def send(self, category: Category, node: int, asked: datetime, *, besides: int = -1) -> Sent | None:
        """The fitting unit with the shortest road ETA among those free at `asked` (not `besides`); with
        none free, the first fitting unit to clear, sent when it clears (None for a second unit then)."""
        fit = self._fitting(category).copy()
        if besides >= 0:
            fit[besides] = False
        if not fit.any():
            return None
        at = asked.timestamp()
        free = fit & (self.busy_until <= at)
        if not free.any():
            if besides >= 0:
                return None
            unit = int(np.argmin(np.where(fit, self.busy_until, np.inf)))
            at = float(self.busy_until[unit])
            asked = asked + timedelta(seconds=at - asked.timestamp())
            free = np.zeros_like(fit)
            free[unit] = True
        eta = self._eta(node, at, to_local(asked).hour)
        unit = int(np.argmin(np.where(free, eta, np.inf)))
        return Sent(unit, asked, float(eta[unit]))

    def occupy(self, unit: int, node: int, cleared: datetime) -> None:
        """The unit works until `cleared`, then drives back to its post."""
        at = cleared.timestamp()
        factor = 1.0 if self.foot[unit] else float(self.factor[to_local(cleared).hour])
        self.busy_until[unit] = at
        self.back_at[unit] = at + self.table.back_to_post(unit, node) * factor
