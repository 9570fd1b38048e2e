"""Reading an OSM extract into a gazetteer (`kuzet.geo.gazetteer`), in one streaming pass with pyosmium."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import osmium
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from kuzet.geo.address_text import house_key, normalise
from kuzet.geo.gazetteer import (
    F64,
    BBox,
    Gazetteer,
    GazetteerError,
    Kind,
    Progress,
    _metres,
    _project,
    _table,
)

_SPELLINGS: Final = ("name:ru", "name:kk", "name:en")
_SETTLEMENTS: Final = frozenset({"city", "town", "village", "hamlet", "suburb"})
_LOCALITY_RADIUS_M: Final = 10_000.0
_DENSIFY_M: Final = 25.0  # street vertices for reverse geocoding are at most this far apart
_PROGRESS_EVERY: Final = 10_000


def _densify(line: F64) -> F64:
    """A polyline's vertices with points added so that neighbours are at most _DENSIFY_M apart."""
    if len(line) < 2:
        return line
    steps = np.maximum(1, np.ceil(_metres(line[:-1], line[1:]) / _DENSIFY_M)).astype(np.int64)
    segment = np.repeat(np.arange(len(steps)), steps)
    share = (np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)) / steps[segment]
    return np.concatenate((line[segment] + (line[segment + 1] - line[segment]) * share[:, None], line[-1:]))


def _inside(points: F64, bbox: BBox | None) -> npt.NDArray[np.bool_]:
    lat, lon = points.reshape(-1, 2).T
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    return np.asarray((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))


def _spellings(tags: osmium.osm.TagList) -> list[str]:
    """The name:ru, name:kk and name:en of an object where they differ from its name."""
    name = tags["name"]
    return list(dict.fromkeys(tags[key] for key in _SPELLINGS if tags.get(key, name) != name))


def build_gazetteer(
    path: Path | str, *, bbox: BBox | None = None, progress: Progress | None = None
) -> Gazetteer:
    """Read an OSM extract (.osm.pbf, .osm, .osm.bz2) into a gazetteer in one streaming pass.

    `bbox` is (min_lon, min_lat, max_lon, max_lat): only points inside it are kept. `progress`, if given, is
    called with a stage name and a running count. Raises GazetteerError for a missing or unreadable file.
    """
    path = Path(path)
    if not path.is_file():
        raise GazetteerError(f"OSM extract {path}: no such file")
    found: list[tuple[str, str, F64, str, bool]] = []  # street, number, [lat, lon], addr:city, is a building
    ways: list[tuple[str, list[str], F64, bool]] = []  # name, other names, vertices, drawn as a way
    places: list[tuple[str, list[str], str, F64]] = []
    wanted = osmium.filter.KeyFilter("addr:housenumber", "highway", "place")
    try:
        for count, obj in enumerate(osmium.FileProcessor(str(path)).with_locations().with_filter(wanted), 1):
            if progress is not None and count % _PROGRESS_EVERY == 0:
                progress("reading", count)
            tags, is_way = obj.tags, isinstance(obj, osmium.osm.Way)
            if isinstance(obj, osmium.osm.Way):
                line = _table([(node.lat, node.lon) for node in obj.nodes if node.location.valid()])
                if len(line) == 0:
                    continue
                spot = (line[:-1] if len(line) > 2 and obj.is_closed() else line).mean(axis=0)
                if "highway" in tags and "name" in tags and _inside(line, bbox).any():
                    ways.append((tags["name"], _spellings(tags), _densify(line[_inside(line, bbox)]), True))
            elif isinstance(obj, osmium.osm.Node) and obj.location.valid():
                spot = np.array([obj.location.lat, obj.location.lon], dtype=np.float64)
                if "place" in tags and "name" in tags and _inside(spot, bbox).all():
                    places.append((tags["name"], _spellings(tags), tags["place"], spot))
            else:
                continue
            street = (tags.get("addr:street") or tags.get("addr:place") or "").strip()
            number = (tags.get("addr:housenumber") or "").strip()
            if street and number and _inside(spot, bbox).all():
                found.append((street, number, spot, tags.get("addr:city") or "", is_way))
    except (RuntimeError, ValueError, OSError) as exc:
        raise GazetteerError(f"OSM extract {path}: cannot be read ({exc})") from exc
    if progress is not None:
        progress("indexing", len(found) + len(ways) + len(places))

    # Each address and street is labelled with the settlement nearest to it.
    towns = [(name, spot) for name, _, kind, spot in places if kind in _SETTLEMENTS]
    origin = float(np.mean([spot[0] for _, spot in towns])) if towns else 0.0
    town_tree = cKDTree(_project(_table([spot for _, spot in towns]), origin))

    def locality(points: F64) -> list[str]:
        if not towns or not len(points):
            return [""] * len(points)
        _, nearest = town_tree.query(_project(points, origin), distance_upper_bound=_LOCALITY_RADIUS_M)
        return [towns[i][0] if i < len(towns) else "" for i in nearest]

    # One address per street, number and settlement: a building outline rather than a shop node inside it.
    found.sort(key=lambda row: not row[4])
    unique: dict[tuple[str, str, str], tuple[str, str, F64, str]] = {}
    address_towns = locality(_table([row[2] for row in found]))
    for (street, number, spot, city, _), town in zip(found, address_towns, strict=True):
        unique.setdefault((normalise(street), house_key(number), town), (street, number, spot, town or city))
    kept = list(unique.values())

    # An address on a street with no way in the extract lends its own position, so the street can be found.
    known = {normalise(text) for name, other, *_ in (*ways, *places) for text in (name, *other)}
    ways += [(street, [], spot[None], False) for street, _, spot, _ in kept if normalise(street) not in known]
    middles = _table([vertices[len(vertices) // 2] for _, _, vertices, _ in ways])
    clusters: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, town in enumerate(locality(middles)):
        clusters[normalise(ways[i][0]), town].append(i)
    names: list[tuple[str, list[str], str, Kind]] = []
    points, vertices, owners = [], [], []
    for n, ((_, town), members) in enumerate(clusters.items()):
        name = Counter(ways[i][0] for i in members).most_common(1)[0][0]
        other = dict.fromkeys(text for i in members for text in (ways[i][0], *ways[i][1]) if text != name)
        names.append((name, list(other), town, "street"))
        spread = ((middles[members] - middles[members].mean(axis=0)) ** 2).sum(axis=1)
        points.append(middles[members][np.argmin(spread)])  # the way middle nearest their centre
        vertices += [ways[i][2] for i in members if ways[i][3]]
        owners += [np.full(len(ways[i][2]), n, dtype=np.int32) for i in members if ways[i][3]]
    names += [(name, other, "", "place") for name, other, _, _ in places]
    return Gazetteer(
        addresses=[(street, number, town) for street, number, _, town in kept],
        names=names,
        address_points=_table([spot for _, _, spot, _ in kept]),
        name_points=_table(points + [spot for *_, spot in places]),
        vertices=np.concatenate(vertices) if vertices else np.empty((0, 2)),
        vertex_street=np.concatenate(owners) if owners else np.empty(0, dtype=np.int32),
    )
