"""The region's geography as a running server holds it: road graph, snapping, ETA engines, gazetteer and
districts, loaded on first use and reloaded when their files or rows change (another worker or the CLI may
have imported a new map meanwhile).

The ETA engine (numba), the snapper and the gazetteer (scipy, osmium) are imported when a road graph or a
gazetteer is first loaded, not with this module: the server and the CLI start without them."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from kuzet.geo.districts import Districts
from kuzet.geo.graph import RoadGraph
from kuzet.geo.store import DistrictRepository
from kuzet.units.positions.domain import RoadPoint

if TYPE_CHECKING:
    from kuzet.geo.eta import EtaEngine
    from kuzet.geo.gazetteer import Gazetteer
    from kuzet.geo.snap import Snap, Snapper

log = logging.getLogger(__name__)
LOCAL_TIME = ZoneInfo("Asia/Almaty")
CHECK_EVERY_SECONDS = 5.0
T = TypeVar("T")


@dataclass
class Roads:
    """A loaded road graph with its snapper and one ETA engine per travel-time factor in use."""

    graph: RoadGraph
    snapper: Snapper
    source: Path
    _engines: dict[float, EtaEngine] = field(default_factory=dict)
    identity: str = field(init=False)

    def __post_init__(self) -> None:
        self.identity = graph_identity(self.graph)

    @classmethod
    def load(cls, path: Path) -> Roads:
        from kuzet.geo.snap import Snapper

        graph = RoadGraph.load(path)
        roads = cls(graph, Snapper(graph), path)
        roads.engine()  # compiled and warmed now, not on the first dispatcher's request
        return roads

    @property
    def map_name(self) -> str:
        """The OSM extract the graph was built from (or, failing that, the graph file's name)."""
        return str(self.graph.meta.get("source") or self.source.name)

    def engine(self, factor: float = 1.0) -> EtaEngine:
        engine = self._engines.get(factor)
        if engine is None:
            from kuzet.geo.eta import EtaEngine

            classes = {int(c): factor for c in set(self.graph.road_class.tolist())}
            engine = self._engines[factor] = EtaEngine(self.graph, classes if factor != 1.0 else None)
            # Landmark tables of a large graph take seconds: build them aside; until then queries stay exact
            # with the straight-line bound (small graphs skip them).
            threading.Thread(target=engine.prepare_landmarks, name="eta-landmarks", daemon=True).start()
        return engine

    def place(self, lats: Sequence[float], lons: Sequence[float], max_distance_m: float) -> list[Snap | None]:
        if not lats:
            return []
        batch = self.snapper.snap_many(lats, lons)
        return [s if s.distance_m <= max_distance_m else None for s in batch.snaps()]


def graph_identity(graph: RoadGraph) -> str:
    """A fingerprint of what snapping depends on (node coordinates and edges): a point snapped on one graph
    is only reused on a graph with the same fingerprint; a re-imported map that changed gets a new one."""
    import numpy as np  # loaded with the graph already

    digest = hashlib.blake2b(digest_size=8)
    for array in (graph.lat, graph.lon, graph.indptr, graph.head):
        digest.update(np.ascontiguousarray(array).data)  # no copy: the arrays are contiguous already
    return digest.hexdigest()


class _Watched(Generic[T]):
    """A file-backed object, reloaded when the file's modification time changes."""

    def __init__(self, path: Path, loader: Callable[[Path], T], what: str) -> None:
        self.path, self.loader, self.what = path, loader, what
        self.value: T | None = None
        self.stamp: float | None = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def get(self) -> T | None:
        now = time.monotonic()
        if self.checked and now - self.checked < CHECK_EVERY_SECONDS:
            return self.value
        with self.lock:
            self.checked = now
            try:
                stamp = self.path.stat().st_mtime
            except OSError:
                self.value, self.stamp = None, None
                return None
            if stamp != self.stamp:
                try:
                    self.value = self.loader(self.path)
                    self.stamp = stamp
                    log.info(f"{self.what} loaded", extra={"path": str(self.path)})
                except Exception as exc:  # a bad file must not take the server down: log, run without it
                    log.error(
                        f"{self.what} could not be loaded", extra={"path": str(self.path), "reason": str(exc)}
                    )
                    self.value, self.stamp = None, None
            return self.value

    def forget(self) -> None:
        with self.lock:
            self.checked, self.stamp = 0.0, None


def _load_gazetteer(path: Path) -> Gazetteer:
    from kuzet.geo.gazetteer import Gazetteer

    return Gazetteer.load(path)


def time_factor(factors: dict[str, float], at: datetime) -> float:
    """The travel-time multiplier for the local hour: the first "HH-HH" range that holds it, else 1."""
    hour = at.astimezone(LOCAL_TIME).hour
    for span, factor in factors.items():
        start, _, end = span.partition("-")
        first, last = int(start), int(end or start)
        inside = first <= hour < last if first < last else hour >= first or hour < last
        if inside:
            return factor
    return 1.0


class Geo:
    def __init__(
        self,
        *,
        roads_file: Path,
        gazetteer_file: Path,
        session_factory: sessionmaker[Session],
        snap_max_distance_m: float,
        travel_time_factors: dict[str, float],
    ) -> None:
        self._roads = _Watched(roads_file, Roads.load, "road graph")
        self._gazetteer = _Watched(gazetteer_file, _load_gazetteer, "gazetteer")
        self._session_factory = session_factory
        self.snap_max_distance_m = snap_max_distance_m
        self.travel_time_factors = travel_time_factors
        self._districts: Districts | None = None
        self._districts_checked = 0.0
        self._districts_lock = threading.Lock()

    @property
    def roads(self) -> Roads | None:
        return self._roads.get()

    @property
    def gazetteer(self) -> Gazetteer | None:
        return self._gazetteer.get()

    def reload(self) -> None:
        """Forget what is loaded (after an import in this process)."""
        self._roads.forget()
        self._gazetteer.forget()
        self.forget_districts()

    def forget_districts(self) -> None:
        """Read the district map again on its next use (after it was replaced or emptied in this process)."""
        with self._districts_lock:
            self._districts_checked = 0.0

    def snap(self, lats: Sequence[float], lons: Sequence[float]) -> list[RoadPoint | None]:
        roads = self.roads
        if roads is None:
            return [None] * len(lats)
        return [
            None if s is None else RoadPoint(s.edge, s.fraction, s.distance_m, s.lat, s.lon, roads.identity)
            for s in roads.place(lats, lons, self.snap_max_distance_m)
        ]

    def factor_at(self, at: datetime) -> float:
        return time_factor(self.travel_time_factors, at)

    @property
    def districts(self) -> Districts | None:
        now = time.monotonic()
        with self._districts_lock:
            if not self._districts_checked or now - self._districts_checked >= CHECK_EVERY_SECONDS:
                self._districts_checked = now
                with self._session_factory() as session:
                    rows = DistrictRepository(session).all()
                self._districts = Districts.from_geojson(feature_collection(rows)) if rows else None
            return self._districts

    def district_of(self, lat: float | None, lon: float | None) -> str | None:
        districts = self.districts
        if districts is None or lat is None or lon is None:
            return None
        return districts.locate(lat, lon)


def feature_collection(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The districts table as a GeoJSON FeatureCollection."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": r["code"],
                    **{k: r[k] for k in ("name_ru", "name_kk", "name_en") if r.get(k)},
                },
                "geometry": r["geometry"],
            }
            for r in rows
        ],
    }
