"""Use cases of coverage analytics: the share of a period's incidents seen by at least one online camera,
grouped by period (day, week, month), category, priority or district; and the hot-spots of the incidents no
camera saw. A district's staff see their district only; asking for another is refused (and audited), as on
every analytics route.

The verdicts (seen, or the reason not) depend on the registry, the health spans, the buildings and the
incidents, not on the grouping: they are cached by a digest of exactly those inputs, so asking the same
period again, grouped otherwise or as hot-spots, skips the visibility."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely  # type: ignore[import-untyped]

from kuzet.analytics.domain import Origin
from kuzet.cctv.coverage import CameraFleet, CoverageRow, IncidentPoints, SpanTable, table, verdicts
from kuzet.cctv.coverage_grid import HotSpot, hotspots
from kuzet.cctv.coverage_store import (
    CoverageSelection,
    IncidentRows,
    count_incidents,
    read_incidents,
    read_registry,
)
from kuzet.cctv.visibility import Buildings, LocalProjection
from kuzet.core.actor import Actor
from kuzet.core.clock import LOCAL_TZ
from kuzet.core.errors import Forbidden
from kuzet.core.uow import UnitOfWork

_CACHE_SIZE: Final = 8
_HOUR_MS: Final = 3_600_000


class Group(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CATEGORY = "category"
    PRIORITY = "priority"
    DISTRICT = "district"


def in_scope(uow: UnitOfWork, chosen: CoverageSelection, by: Actor) -> CoverageSelection:
    """A district's staff get their own district only; asking for another is refused, and audited."""
    if by.region_wide:
        return chosen
    if chosen.districts and not set(chosen.districts) <= set(by.districts):
        with uow:
            raise uow.refuse(by, "analytics.read", Forbidden(), object_type="district", reason="out_of_scope")
    return chosen.narrowed(*(d for d in by.districts if not chosen.districts or d in chosen.districts))


def other_origin(uow: UnitOfWork, chosen: CoverageSelection) -> int:
    """How many incidents the origin the selection did not search holds for it (0 when it searched all):
    the selection is already in the asker's scope, so this count is too."""
    if chosen.origin is Origin.ALL:
        return 0
    other = Origin.IMPORTED if chosen.origin is Origin.LIVE else Origin.LIVE
    with uow:
        return count_incidents(uow.session, chosen, other)


class _VerdictCache:
    """The latest few verdict arrays by the digest of their inputs (thread-safe, least recently used out)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: OrderedDict[bytes, npt.NDArray[np.int8]] = OrderedDict()

    def get(self, key: bytes) -> npt.NDArray[np.int8] | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: bytes, found: npt.NDArray[np.int8]) -> None:
        with self._lock:
            self._found[key] = found
            while len(self._found) > _CACHE_SIZE:
                self._found.popitem(last=False)


_cache = _VerdictCache()


def _digest(
    fleet: CameraFleet, spans: SpanTable, points: IncidentPoints, buildings: Buildings, near_m: float
) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    views = fleet.views
    arrays = (views.x, views.y, views.heading, views.fov, views.range, fleet.registered_ms, fleet.retired_ms)
    for a in (*arrays, fleet.status_online, spans.camera, spans.start_ms, spans.end_ms):
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(b"|")
    for a in (points.x, points.y, points.at_ms):
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(b"|")
    # the footprints by OSM id and extent: a new import of other buildings, a new digest
    h.update("\n".join(buildings.ids).encode())
    if len(buildings):
        h.update(np.ascontiguousarray(shapely.bounds(buildings.polygons)).tobytes())
    h.update(f"|{len(buildings)}:{near_m}".encode())
    return h.digest()


def up_to(spans: SpanTable, points: IncidentPoints) -> SpanTable:
    """The spans as far as they matter to these incidents: none that starts after the latest, and none
    running past it. The verdicts are the same (a camera's health is only ever asked at an incident's time),
    and so is the cache's digest while a live span runs on or a camera beats after the period."""
    if len(points) == 0:
        return SpanTable.none()
    horizon = int(points.at_ms.max())
    keep = spans.start_ms <= horizon
    return SpanTable.build(spans.camera[keep], spans.start_ms[keep], np.minimum(spans.end_ms[keep], horizon))


@dataclass(frozen=True, eq=False)
class Coverage:
    """The selected incidents with a point, each one's Verdict, and the cameras counted."""

    selection: CoverageSelection
    incidents: IncidentRows
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    found: npt.NDArray[np.int8]
    cameras: int
    cached: bool


def assess(
    uow: UnitOfWork,
    chosen: CoverageSelection,
    *,
    buildings: Buildings,
    projection: LocalProjection,
    now: datetime,
    offline_after: timedelta,
) -> Coverage:
    """Each selected incident's verdict (the selection already in the asker's scope)."""
    _start, end = chosen.utc_bounds()
    with uow:
        rows = read_incidents(uow.session, chosen)
        registry = read_registry(uow.session, projection, before=end, now=now, offline_after=offline_after)
    x, y = projection.to_xy(rows.lat, rows.lon)
    points = IncidentPoints(x, y, rows.at_ms)
    spans = up_to(registry.spans, points)
    key = _digest(registry.fleet, spans, points, buildings, 300.0)
    found = _cache.get(key)
    cached = found is not None
    if found is None:
        found = verdicts(registry.fleet, spans, points, buildings)
        _cache.put(key, found)
    return Coverage(chosen, rows, x, y, found, len(registry.fleet), cached)


def local_periods(at_ms: npt.NDArray[np.int64], group: Group) -> list[str]:
    """Each time's local (Asia/Almaty) day (2025-06-01), ISO week (2025-W22) or month (2025-06). The zone's
    offset is looked up once per distinct UTC hour."""
    if len(at_ms) == 0:
        return []
    hours, inverse = np.unique(at_ms // _HOUR_MS, return_inverse=True)
    offsets = np.array(
        [
            int(datetime.fromtimestamp(int(h) * 3600, UTC).astimezone(LOCAL_TZ).utcoffset().total_seconds())  # type: ignore[union-attr]
            for h in hours
        ],
        dtype=np.int64,
    )
    local = (at_ms // 1000 + offsets[inverse.reshape(-1)]).astype("datetime64[s]")
    days = local.astype("datetime64[D]")
    if group is Group.DAY:
        return [str(d) for d in days]
    if group is Group.MONTH:
        return [str(m) for m in days.astype("datetime64[M]")]
    labels: dict[np.datetime64, str] = {}
    out = []
    for d in days:
        label = labels.get(d)
        if label is None:
            year, week, _ = d.astype(object).isocalendar()
            label = labels[d] = f"{year}-W{week:02d}"
        out.append(label)
    return out


def group_keys(rows: IncidentRows, group: Group) -> Sequence[str | int | None]:
    if group is Group.CATEGORY:
        return rows.category
    if group is Group.PRIORITY:
        return [int(p) for p in rows.priority]
    if group is Group.DISTRICT:
        return rows.district
    return local_periods(rows.at_ms, group)


@dataclass(frozen=True)
class CoverageTable:
    coverage: Coverage
    group: Group
    total: CoverageRow
    rows: list[CoverageRow]


def coverage_table(coverage: Coverage, group: Group) -> CoverageTable:
    keys = list(group_keys(coverage.incidents, group))
    total, rows = table(coverage.found, keys)
    return CoverageTable(coverage, group, total, rows)


def coverage_hotspots(coverage: Coverage, *, cell_m: float, top: int) -> tuple[list[HotSpot], int]:
    """The top cells of uncovered incidents by priority weight (the placement plan's), and how many cells
    hold any."""
    from kuzet.cctv.placement import priority_weights  # with scipy: not for the server's start

    rows = coverage.incidents
    return hotspots(
        coverage.x,
        coverage.y,
        coverage.found,
        rows.priority,
        priority_weights(rows.priority),
        cell_m=cell_m,
        top=top,
    )
