"""A small street grid and made-up demands for the simulation's tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kuzet.geo.graph import RoadGraph, build_graph
from kuzet.geo.speeds import RoadClass
from kuzet.incidents.catalogue import Group
from kuzet.planning.history import Demand, Draws


def grid(side: int = 12, spacing_deg: float = 0.002, kmh: float = 40.0) -> RoadGraph:
    """A two-way street grid of side × side nodes near Andorra la Vella."""
    ids = np.arange(side * side).reshape(side, side)
    lat = (42.50 + np.repeat(np.arange(side), side) * spacing_deg).astype(np.float64)
    lon = (1.50 + np.tile(np.arange(side), side) * spacing_deg).astype(np.float64)
    pairs = [(ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])]
    tail = np.concatenate([a.ravel() for a, b in pairs] + [b.ravel() for a, b in pairs])
    head = np.concatenate([b.ravel() for a, b in pairs] + [a.ravel() for a, b in pairs])
    speed = np.full(len(tail), kmh)
    classes = np.full(len(tail), int(RoadClass.RESIDENTIAL))
    return build_graph(lat, lon, tail, head, speed, classes)


@dataclass
class ExponentialDemand(Demand):
    """Every call is priority 2 at one node, handled at once, with an exponential time on scene."""

    at_node: int = 0
    mean_on_scene_s: float = 3600.0

    def draw(self, rng: np.random.Generator, n: int) -> Draws:
        return Draws(
            priority=np.full(n, 2, dtype=np.int64),
            group=[Group.OTHER] * n,
            district=np.zeros(n, dtype=np.int64),
            node=np.full(n, self.at_node, dtype=np.int64),
            handling=np.zeros(n),
            turnout=np.zeros(n),
            on_scene=rng.exponential(self.mean_on_scene_s, size=n),
        )
