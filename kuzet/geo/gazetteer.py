"""Address search and reverse geocoding over an OSM extract (the gazetteer). Pure library code.

Built from an extract by `kuzet.geo.gazetteer_osm`. Kept: addressed places (nodes and building outlines with
addr:street or addr:place plus addr:housenumber), named highway ways and named place=* nodes; not addresses
drawn as relations nor addr:interpolation lines.
A house number the extract lacks is placed between its tagged neighbours on the same street (same side
first), and two streets joined by « / », «&» or «и» name their crossing.
Names are compared as search keys (`kuzet.geo.address_text`): «ул. Абая» → «абай».
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.fuzz import WRatio
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.address_text import (
    HOUSE,
    analyse,
    house_key,
    house_match,
    house_number,
    houses_around,
    normalise,
)

Kind = Literal["address", "street", "place", "interpolated", "intersection"]
Progress = Callable[[str, int], None]
BBox = tuple[float, float, float, float]
F64 = npt.NDArray[np.float64]

EARTH_RADIUS_M: Final = 6_371_008.8
FORMAT: Final = "kuzet-gazetteer/1"
_ARRAYS: Final = ("address_points", "name_points", "vertices", "vertex_street")

# Two streets named as a crossing: «Meritxell / Prat de la Creu», «Абая и Сейфуллина», «Abai & Seifullin».
# A slash needs a space before it, so the Catalan «C/ Major» (carrer) stays one street.
_CROSSING: Final = re.compile(r"\s+/\s*|\s*&\s*|\s+(?:и|x|×|and|угол|және|қиылысы)\s+", re.IGNORECASE)
CROSSING_MAX_M: Final = 30.0  # two streets whose lines come this close cross (or meet)
SNAP_TO_STREET_M: Final = 60.0  # an interpolated house is moved onto its street when the street is this near


@dataclass(frozen=True, slots=True)
class Candidate:
    """One answer for the call-taker: a label, a point and how good the match is (0..100)."""

    label: str
    lat: float
    lon: float
    kind: Kind
    score: float
    distance_m: float | None = None  # set by reverse(): metres from the point asked about


class GazetteerError(Exception):
    """A missing or unreadable extract or gazetteer file."""


def _project(points: F64, origin_lat: float) -> F64:
    """[lat, lon] rows as metres on a local equirectangular plane: enough to find the nearest neighbours."""
    radians = np.radians(points.reshape(-1, 2))
    return np.column_stack((radians[:, 1] * np.cos(np.radians(origin_lat)), radians[:, 0])) * EARTH_RADIUS_M


def _metres(a: F64, b: F64) -> F64:
    """Great-circle distances between [lat, lon] rows (or one row against many)."""
    (lat1, lon1), (lat2, lon2) = np.radians(a).T, np.radians(b).T
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h)), dtype=np.float64)


SAME_PLACE_M = 50.0  # two candidates this close are the same place (an address and its street, say)


def _metres_apart(a: Candidate, b: Candidate) -> float:
    return float(_metres(np.array([a.lat, a.lon]), np.array([[b.lat, b.lon]]))[0])


def _table(rows: list[Any]) -> F64:
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def _root(parent: dict[str, str], key: str) -> str:
    """Union-find over keys: the representative of `key`'s set (a new set on first sight)."""
    while parent.setdefault(key, key) != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


@dataclass(eq=False)
class Gazetteer:
    """The named points of one extract, with a search index over their normalised names."""

    addresses: list[tuple[str, str, str]]  # street (or addr:place), house number, locality
    names: list[tuple[str, list[str], str, Kind]]  # streets and places: name, other spellings, locality, kind
    address_points: F64  # one [lat, lon] row per address and per name (a street's representative point)
    name_points: F64
    vertices: F64  # street vertices, densified, for reverse geocoding
    vertex_street: npt.NDArray[np.int32]  # the street (an index into names) each vertex belongs to

    def __post_init__(self) -> None:
        every = np.concatenate((self.address_points, self.name_points))
        self._origin = float(every[:, 0].mean()) if len(every) else 0.0
        self._trees: list[tuple[Kind, Any, F64]] = [
            ("address", cKDTree(_project(self.address_points, self._origin)), self.address_points),
            ("street", cKDTree(_project(self.vertices, self._origin)), self.vertices),
        ]
        # All spellings of one street or place (and the addresses naming any of them) share one group.
        parent: dict[str, str] = {}
        named: list[tuple[Kind, int, str, str | None]] = [
            ("address", i, normalise(street), analyse(street)[1])
            for i, (street, *_) in enumerate(self.addresses)
        ]
        for i, (name, other, _, kind) in enumerate(self.names):
            named.append((kind, i, normalise(name), analyse(name)[1] if kind == "street" else "place"))
            for key in map(normalise, other):
                parent[_root(parent, key)] = _root(parent, normalise(name))
        groups: dict[str, list[tuple[Kind, int, str | None]]] = defaultdict(list)
        for kind, i, key, its in named:
            groups[_root(parent, key)].append((kind, i, its))
        self._keys = list(parent)
        self._key_group = [groups[_root(parent, key)] for key in self._keys]
        self._house_of = [house_key(number) for _, number, _ in self.addresses]
        # For placing a house the extract lacks: the numbered houses of each street group and locality,
        # and each street's own vertices.
        self._numbered: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        self._street_group: dict[int, int] = {}
        self._address_group = [0] * len(self.addresses)
        for gid, members in enumerate(groups.values()):
            for kind, i, _ in members:
                if kind == "street":
                    self._street_group[i] = gid
                elif kind == "address":
                    self._address_group[i] = gid
                    if (number := house_number(self.addresses[i][1])) is not None:
                        self._numbered[gid, self.addresses[i][2]].append((number, i))
        order = np.argsort(self.vertex_street, kind="stable")
        bounds = np.searchsorted(self.vertex_street[order], np.arange(len(self.names) + 1))
        self._street_vertices = [order[a:b] for a, b in pairwise(bounds)]

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        """The best matches for a call-taker's text, best first; an exact address ranks above its street.

        With a house number the extract lacks, a street keeps the number and is placed between its
        neighbours (kind `interpolated`); two streets named as a crossing give their crossing first."""
        parts = [part for part in _CROSSING.split(text) if part.strip()]
        if len(parts) == 2:
            crossings = self._crossings(*parts)
            if crossings:
                return crossings[:limit]
        ranked = self._ranked(text)
        # A street that holds the very house asked for is not offered again as an estimate.
        exact = {
            self._address_group[j] for (kind, j, score), _ in ranked if kind == "address" and score >= 95
        }
        found = [
            self._numbered_street(match, house)
            for match, house in ranked[: limit * 2 + 10]
            if match[0] != "street" or house is None or self._street_group[match[1]] not in exact
        ]
        return sorted(found, key=lambda c: -c.score)[:limit]

    def _ranked(self, text: str) -> list[tuple[tuple[Kind, int, float], str | None]]:
        """(kind, index, score) of every match, best first, with the house number the text named."""
        tokens, asked = analyse(text)
        readings: list[tuple[list[str], str | None]] = [(tokens, None)] if tokens and self._keys else []
        for at in (-1, 0) if readings and len(tokens) > 1 else ():
            if HOUSE.fullmatch(tokens[at]):
                readings.append((tokens[:-1] if at else tokens[1:], house_key(tokens[at])))
        # With a house number in the text, a street or place alone is a weaker answer than the address.
        alone = 0.9 if len(readings) > 1 else 1.0
        scores: dict[tuple[Kind, int], float] = {}
        for words, house in readings:
            query = " ".join(words)
            for _, sim, i in process.extract(query, self._keys, scorer=WRatio, limit=25, score_cutoff=60):
                for kind, j, its in self._key_group[i]:
                    house_fit = house_match(house, self._house_of[j]) if house and kind == "address" else 0.0
                    fit = alone if kind != "address" else house_fit
                    penalty = 0.0 if asked is None or its == asked else 2.0 if its is None else 5.0
                    if fit > 0:
                        scores[kind, j] = max(scores.get((kind, j), 0.0), sim * fit - penalty)
        order = ("address", "place", "street") if asked is None else ("address", "street", "place")
        ranked = sorted(scores.items(), key=lambda item: (-item[1], order.index(item[0][0]), item[0][1]))
        house = readings[-1][1] if len(readings) > 1 else None
        return [((kind, j, max(score, 0.0)), house) for (kind, j), score in ranked]

    def _numbered_street(self, match: tuple[Kind, int, float], house: str | None) -> Candidate:
        """A match as a candidate; a street asked with a house number keeps the number, placed between the
        street's tagged houses where it has some (a little less sure with houses on one side only)."""
        kind, j, score = match
        found = self._candidate(kind, j, score)
        wanted = house_number(house) if house else None
        if kind != "street" or wanted is None or house is None:
            return found
        name, _, locality, _ = self.names[j]
        label = f"{name} {house.upper()}" + (f", {locality}" if locality else "")
        around = houses_around(self._numbered.get((self._street_group[j], locality), []), wanted)
        if around is None:
            return replace(found, label=label)
        i, k, share = around
        lat, lon = self.address_points[i] + (self.address_points[k] - self.address_points[i]) * share
        lat, lon = self._onto_street(j, lat, lon)
        sure = 1.03 if i != k else 0.98
        score = min(round(score * sure, 1), 95.0)
        return replace(found, label=label, lat=lat, lon=lon, kind="interpolated", score=score)

    def _onto_street(self, street: int, lat: float, lon: float) -> tuple[float, float]:
        """The street's nearest vertex to a point, when within SNAP_TO_STREET_M; else the point itself."""
        own = self._street_vertices[street] if street < len(self._street_vertices) else np.empty(0, np.int64)
        if not len(own):
            return float(lat), float(lon)
        metres = _metres(np.array([lat, lon]), self.vertices[own])
        best = int(np.argmin(metres))
        if metres[best] > SNAP_TO_STREET_M:
            return float(lat), float(lon)
        return float(self.vertices[own[best], 0]), float(self.vertices[own[best], 1])

    def _crossings(self, first: str, second: str) -> list[Candidate]:
        """Crossings: where a street matching `first` comes within CROSSING_MAX_M of one matching `second`."""

        def streets(text: str) -> list[tuple[int, float]]:
            return [(j, score) for (kind, j, score), _ in self._ranked(text)[:25] if kind == "street"][:6]

        found: list[Candidate] = []
        for a, score_a in streets(first):
            for b, score_b in streets(second):
                own_a, own_b = self._street_vertices[a], self._street_vertices[b]
                same = self._street_group[a] == self._street_group[b]
                if same or not len(own_a) or not len(own_b):
                    continue
                near = cKDTree(_project(self.vertices[own_b], self._origin))
                gaps, nearest = near.query(_project(self.vertices[own_a], self._origin))
                at = int(np.argmin(gaps))
                if gaps[at] > CROSSING_MAX_M:
                    continue
                lat, lon = (self.vertices[own_a[at]] + self.vertices[own_b[int(nearest[at])]]) / 2
                locality = self.names[a][2] or self.names[b][2]
                label = f"{self.names[a][0]} / {self.names[b][0]}" + (f", {locality}" if locality else "")
                score = round(min(score_a, score_b), 1)
                found.append(Candidate(label, float(lat), float(lon), "intersection", score))
        found.sort(key=lambda c: -c.score)
        return [c for n, c in enumerate(found) if all(_metres_apart(c, d) > SAME_PLACE_M for d in found[:n])]

    def confident(self, text: str, *, min_score: float = 85.0, margin: float = 5.0) -> Candidate | None:
        """The one match the text clearly names, for placing an incident whose call-taker set no point: the
        best candidate if it scores at least `min_score` and beats every other place by `margin`; else None
        (two streets of similar names, say, are left to the operator)."""
        found = self.search(text, limit=5)
        if not found or found[0].score < min_score:
            return None
        best = found[0]
        rivals = [c for c in found[1:] if _metres_apart(best, c) > SAME_PLACE_M]
        return best if not rivals or best.score - rivals[0].score >= margin else None

    def reverse(self, lat: float, lon: float, max_distance_m: float = 150.0) -> Candidate | None:
        """The nearest address within `max_distance_m`, else the nearest street point, else None."""
        here = np.array([lat, lon], dtype=np.float64)
        for kind, tree, points in self._trees:
            if len(points) == 0:
                continue
            near = np.atleast_1d(tree.query(_project(here, self._origin)[0], k=min(8, len(points)))[1])
            metres = _metres(here, points[near])
            if metres.min() > max_distance_m:
                continue
            best, distance = int(near[np.argmin(metres)]), float(metres.min())
            found = self._candidate(kind, best if kind == "address" else int(self.vertex_street[best]), 0.0)
            closeness = round(100.0 * (1.0 - distance / max(max_distance_m, 1e-9)), 1)
            hit_lat, hit_lon = float(points[best, 0]), float(points[best, 1])
            return replace(found, lat=hit_lat, lon=hit_lon, score=closeness, distance_m=round(distance, 1))
        return None

    def _candidate(self, kind: Kind, index: int, score: float) -> Candidate:
        if kind == "address":
            street, number, locality = self.addresses[index]
            label, point = f"{street} {number}", self.address_points[index]
        else:
            label, _, locality, _ = self.names[index]
            point = self.name_points[index]
        label = f"{label}, {locality}" if locality and locality != label else label
        return Candidate(label, float(point[0]), float(point[1]), kind, round(min(score, 100.0), 1))

    def save(self, path: Path | str) -> None:
        """Write one .npz: coordinates as arrays, labels as JSON (no pickle); replaced atomically."""
        path = Path(path)
        blob = json.dumps(
            {"format": FORMAT, "addresses": self.addresses, "names": self.names}, ensure_ascii=False
        )
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                arrays = {name: getattr(self, name) for name in _ARRAYS}
                np.savez_compressed(out, meta=np.frombuffer(blob.encode(), dtype=np.uint8), **arrays)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path | str) -> Gazetteer:
        """Read a file written by save(); raises GazetteerError for a missing, foreign or damaged one."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                meta: dict[str, Any] = json.loads(data["meta"].tobytes().decode())
                arrays: dict[str, Any] = {name: np.asarray(data[name]) for name in _ARRAYS}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise GazetteerError(f"gazetteer {path}: cannot be read ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise GazetteerError(f"gazetteer {path}: not a gazetteer file ({meta.get('format')!r})")
        rows: dict[str, Any] = {key: [tuple(row) for row in meta[key]] for key in ("addresses", "names")}
        return cls(**rows, **arrays)
