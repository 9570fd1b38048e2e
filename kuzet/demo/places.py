"""Where demo appeals happen: addresses of the gazetteer and points on the road map, by district.

A district's share of the region's appeals decides how often it is picked; inside a district, a place is a
known address half the time and a road point (named after its street when the gazetteer knows it) otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from kuzet.demo.callers import Weighted, pick
from kuzet.geo.districts import Districts
from kuzet.geo.gazetteer import Gazetteer
from kuzet.geo.graph import RoadGraph

ROAD_POINTS_PER_DISTRICT = 400
ADDRESS_SHARE = 0.5


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    address: str | None
    district: str


def _address_label(street: str, number: str, locality: str) -> str:
    label = f"{street} {number}".strip()
    return f"{label}, {locality}" if locality and locality != street else label


class Places:
    """Places to draw appeals from, grouped by district, with each district's weight."""

    def __init__(
        self,
        addresses: Mapping[str, list[Place]],
        road_points: Mapping[str, list[Place]],
        shares: Mapping[str, float],
    ) -> None:
        codes = [c for c in shares if addresses.get(c) or road_points.get(c)]
        if not codes:
            raise ValueError("no district has a place to draw from")
        self.addresses = {c: list(addresses.get(c, ())) for c in codes}
        self.road_points = {c: list(road_points.get(c, ())) for c in codes}
        self.codes = codes
        self._districts = Weighted({c: max(shares[c], 1e-9) for c in codes})

    def district(self, rng: np.random.Generator) -> str:
        return str(self._districts.draw(rng))

    def pick(self, rng: np.random.Generator, district: str | None = None) -> Place:
        """A place in the district (drawn by the districts' shares when not given)."""
        code = district if district in self.addresses else self.district(rng)
        known, roads = self.addresses[code], self.road_points[code]
        pool = known if known and (not roads or rng.random() < ADDRESS_SHARE) else roads
        return pick(rng, pool)

    @staticmethod
    def near(rng: np.random.Generator, place: Place, metres: float) -> Place:
        """The same place as another caller reports it: a few tens of metres off."""
        angle, distance = rng.random() * 2 * math.pi, rng.random() * metres
        dlat = distance * math.cos(angle) / 111_195.0
        dlon = distance * math.sin(angle) / (111_195.0 * math.cos(math.radians(place.lat)))
        return replace(place, lat=round(place.lat + dlat, 6), lon=round(place.lon + dlon, 6))

    @classmethod
    def build(
        cls,
        graph: RoadGraph,
        gazetteer: Gazetteer | None,
        districts: Districts,
        shares: Mapping[str, float],
        rng: np.random.Generator,
    ) -> Places:
        weights = {code: shares.get(code, min(shares.values(), default=1.0)) for code in districts.codes}
        addresses: dict[str, list[Place]] = {code: [] for code in districts.codes}
        if gazetteer is not None and len(gazetteer.addresses):
            points = gazetteer.address_points
            for (street, number, locality), code, (lat, lon) in zip(
                gazetteer.addresses, districts.locate_many(points[:, 0], points[:, 1]), points, strict=True
            ):
                if code is not None:
                    label = _address_label(street, number, locality)
                    addresses[code].append(Place(float(lat), float(lon), label, code))
        located = np.array(districts.locate_many(graph.lat, graph.lon), dtype=object)
        road_points: dict[str, list[Place]] = {}
        for code in districts.codes:
            inside = np.flatnonzero(located == code)
            chosen = rng.choice(inside, size=min(ROAD_POINTS_PER_DISTRICT, len(inside)), replace=False)
            road_points[code] = [_road_place(graph, int(node), code, gazetteer) for node in chosen]
        return cls(addresses, road_points, weights)


def _road_place(graph: RoadGraph, node: int, district: str, gazetteer: Gazetteer | None) -> Place:
    lat, lon = float(graph.lat[node]), float(graph.lon[node])
    found = gazetteer.reverse(lat, lon) if gazetteer is not None else None
    return Place(round(lat, 6), round(lon, 6), found.label if found is not None else None, district)
