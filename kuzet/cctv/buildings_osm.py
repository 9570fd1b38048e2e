"""Building footprints from the region's OSM extract, for the cameras' lines of sight (`visibility`).

`kuzet import-osm` (and the demo's map import) reads the extract's `building=*` closed ways and multipolygon
relations with pyosmium's area assembler and writes them to KUZET_BUILDINGS_PATH (default
$KUZET_DATA_DIR/buildings.npz): the OSM ids, and the footprints as WKB in lon/lat, concatenated, with offsets
(a plain .npz: read without pickle). `building=no` is left out, and so is a footprint outside the import's
bounding box. The server loads the file once per change of the file (`load_buildings`), projected into the
region's local metres."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import shapely  # type: ignore[import-untyped]

from kuzet.cctv.visibility import Buildings, LocalProjection

BBox = tuple[float, float, float, float]
Progress = Callable[[str, int], None]
_KINDS: Final = ("way", "relation")
_PROGRESS_EVERY: Final = 1_000


class BuildingsError(ValueError):
    pass


@dataclass(frozen=True)
class Footprints:
    """Building footprints as read from OSM: ids ("way/123") and WKB multipolygons in lon/lat."""

    ids: list[str]
    wkb: list[bytes]

    def save(self, path: Path) -> None:
        """Write beside the target, then swap: a running server never reads half a file."""
        kinds = np.array([_KINDS.index(i.split("/")[0]) for i in self.ids], dtype=np.uint8)
        numbers = np.array([int(i.split("/")[1]) for i in self.ids], dtype=np.int64)
        sizes = np.array([len(w) for w in self.wkb], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        blob = np.frombuffer(b"".join(self.wkb), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez_compressed(partial, kinds=kinds, numbers=numbers, offsets=offsets, wkb=blob)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> Footprints:
        try:
            with np.load(path, allow_pickle=False) as data:
                kinds, numbers, offsets, blob = data["kinds"], data["numbers"], data["offsets"], data["wkb"]
        except (OSError, KeyError, ValueError) as exc:
            raise BuildingsError(f"buildings file {path}: cannot be read ({exc})") from exc
        raw = blob.tobytes()
        ids = [f"{_KINDS[k]}/{n}" for k, n in zip(kinds.tolist(), numbers.tolist(), strict=True)]
        wkb = [raw[offsets[i] : offsets[i + 1]] for i in range(len(ids))]
        return cls(ids, wkb)

    def buildings(self, projection: LocalProjection) -> Buildings:
        lonlat = shapely.from_wkb(self.wkb) if self.wkb else np.empty(0, dtype=object)
        return Buildings.build(self.ids, projection.geometries_to_xy(np.asarray(lonlat, dtype=object)))


def read_footprints(
    path: Path | str, *, bbox: BBox | None = None, progress: Progress | None = None
) -> Footprints:
    """Read the building footprints of an OSM extract (.osm.pbf, .osm, .osm.bz2) in one pyosmium run.
    Raises BuildingsError for a missing or unreadable file."""
    import osmium  # the importer's library: loaded by the import only
    import osmium.filter
    import osmium.geom

    path = Path(path)
    if not path.is_file():
        raise BuildingsError(f"OSM extract {path}: no such file")
    factory = osmium.geom.WKBFactory()
    ids: list[str] = []
    wkb: list[bytes] = []
    buildings = osmium.filter.KeyFilter("building")
    try:
        processor = osmium.FileProcessor(str(path)).with_areas(buildings).with_filter(buildings)
        for obj in processor:
            if not isinstance(obj, osmium.osm.Area) or obj.tags.get("building") == "no":
                continue
            try:
                geometry = bytes.fromhex(factory.create_multipolygon(obj))
            except RuntimeError:  # a broken ring: the assembler could not close it
                continue
            if bbox is not None and not _inside(geometry, bbox):
                continue
            ids.append(f"{'way' if obj.from_way() else 'relation'}/{obj.orig_id()}")
            wkb.append(geometry)
            if progress is not None and len(ids) % _PROGRESS_EVERY == 0:
                progress("buildings", len(ids))
    except (RuntimeError, ValueError, OSError) as exc:
        raise BuildingsError(f"OSM extract {path}: cannot be read ({exc})") from exc
    if progress is not None:
        progress("buildings", len(ids))
    return Footprints(ids, wkb)


def _inside(geometry: bytes, bbox: BBox) -> bool:
    min_lon, min_lat, max_lon, max_lat = bbox
    x0, y0, x1, y1 = shapely.bounds(shapely.from_wkb(geometry))
    return bool(x0 >= min_lon and x1 <= max_lon and y0 >= min_lat and y1 <= max_lat)


_cache_lock = threading.Lock()
_cache: dict[tuple[str, LocalProjection], tuple[tuple[int, int], Buildings]] = {}


def load_buildings(path: Path, projection: LocalProjection) -> Buildings:
    """The buildings of the file in metres, read again only when the file changes; none when there is no
    file (visibility then ignores buildings)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Buildings.none()
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = (str(path), projection)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        built = Footprints.load(path).buildings(projection)
        _cache[key] = (stamp, built)
        return built
