"""Coverage analytics: which incidents were seen by at least one camera online at the incident's time. Pure:
numpy and scipy over the visibility's vectorised tests (`kuzet.cctv.visibility`); no framework, no database.

An incident (a point and a time) is *seen* when a camera
- existed at that time: registered by then (`registered_ms`) and not yet retired (`retired_ms`; a retired
  camera counts up to its retirement, taken as the registry's last change of it);
- was online at that time (`online_at`, below);
- sees the incident's point by the visibility's rule: in its view sector and range, no building cutting the
  line of sight (the registry's current place, heading, view and range: the registry keeps no history).

Online at a time, per camera:
- from its first heartbeat on, the health spans decide (`kuzet.cctv.health`): the camera was online at `t`
  when one of its spans covers `t`, from the span's start to its last heartbeat; the latest span, still
  alive now (its last heartbeat within `offline_after` of now), runs to now;
- before its first heartbeat, and for a camera never heard from, there is no history: its registry status
  stands for it, online when active (or retired: it was in service until then), offline when offline or in
  maintenance. A network without heartbeat monitoring is so counted by the registry alone.

An incident not seen gets the first of these reasons that applies (each test looks only at the cameras that
existed at the incident's time):
- `camera_offline`: a camera would have seen it (sector, range, line of sight) but was not online;
- `blocked`: a camera had it in sector and range, but a building cut every such line of sight;
- `out_of_view`: a camera stood within `near_m` (300 m, the incident card's nearby radius) but had the point
  outside its sector or range;
- `no_camera_near`: no camera within `near_m`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from kuzet.cctv.visibility import F64, I64, Buildings, CameraViews, first_blockers, visible_pairs

NEAR_M: Final = 300.0
_KEY: Final = 10**13  # beyond any epoch time in milliseconds: camera index × _KEY + time sorts by both


class Verdict(IntEnum):
    """Whether an incident was seen, or the first reason it was not (lower wins over the cameras)."""

    SEEN = 0
    CAMERA_OFFLINE = 1
    BLOCKED = 2
    OUT_OF_VIEW = 3
    NO_CAMERA_NEAR = 4

    @property
    def label(self) -> str:
        return self.name.lower()


NOT_SEEN: Final = tuple(v for v in Verdict if v is not Verdict.SEEN)


@dataclass(frozen=True, eq=False)
class CameraFleet:
    """The cameras as arrays (views in metres) with their life: registered and retired (epoch ms; retired
    `np.iinfo(int64).max` while in service) and whether the status stands for online where there is no
    heartbeat history."""

    views: CameraViews
    registered_ms: I64
    retired_ms: I64
    status_online: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.views)


@dataclass(frozen=True, eq=False)
class SpanTable:
    """Every camera's spans of life, sorted by camera then start (epoch ms; `end_ms` already run to now for
    a span alive now)."""

    camera: I64
    start_ms: I64
    end_ms: I64

    @classmethod
    def build(cls, camera: npt.ArrayLike, start_ms: npt.ArrayLike, end_ms: npt.ArrayLike) -> SpanTable:
        cam = np.asarray(camera, dtype=np.int64).reshape(-1)
        start = np.asarray(start_ms, dtype=np.int64).reshape(-1)
        end = np.asarray(end_ms, dtype=np.int64).reshape(-1)
        order = np.lexsort((start, cam))
        return cls(cam[order], start[order], end[order])

    @classmethod
    def none(cls) -> SpanTable:
        return cls.build([], [], [])


def online_at(fleet: CameraFleet, spans: SpanTable, camera: I64, at_ms: I64) -> npt.NDArray[np.bool_]:
    """For each (camera, time) pair, whether the camera was online then (see the module's notes)."""
    online = fleet.status_online[camera].copy()
    if len(spans.camera) == 0 or len(camera) == 0:
        return online
    first_beat = np.full(len(fleet), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_beat, spans.camera, spans.start_ms)
    has_history = at_ms >= first_beat[camera]
    keys = spans.camera * _KEY + spans.start_ms
    found = np.searchsorted(keys, camera * _KEY + at_ms, side="right") - 1
    safe = np.maximum(found, 0)
    covered = (found >= 0) & (spans.camera[safe] == camera) & (spans.end_ms[safe] >= at_ms)
    online[has_history] = covered[has_history]
    return online


@dataclass(frozen=True, eq=False)
class IncidentPoints:
    """Incidents as arrays: place in metres and time (epoch ms)."""

    x: F64
    y: F64
    at_ms: I64

    def __len__(self) -> int:
        return len(self.x)


def verdicts(
    fleet: CameraFleet,
    spans: SpanTable,
    incidents: IncidentPoints,
    buildings: Buildings,
    *,
    near_m: float = NEAR_M,
) -> npt.NDArray[np.int8]:
    """Each incident's Verdict. Vectorised: the visibility's k-d tree and sector test give the pairs in
    sector and range (`visible_pairs` without buildings), the cameras that did not exist then are dropped,
    the lines of sight left go to the buildings' STRtree (`first_blockers`), and the cameras' health is
    looked up per pair by a binary search over the spans."""
    n = len(incidents)
    result = np.full(n, Verdict.NO_CAMERA_NEAR, dtype=np.int8)
    if n == 0 or len(fleet) == 0:
        return result
    views = fleet.views
    cam, pt = visible_pairs(views, incidents.x, incidents.y, Buildings.none())
    at = incidents.at_ms[pt]
    alive = (fleet.registered_ms[cam] <= at) & (at < fleet.retired_ms[cam])
    cam, pt, at = cam[alive], pt[alive], at[alive]
    code = np.full(len(cam), Verdict.BLOCKED, dtype=np.int8)
    clear = first_blockers(views, cam, incidents.x, incidents.y, pt, buildings) < 0
    online = online_at(fleet, spans, cam[clear], at[clear])
    code[clear] = np.where(online, Verdict.SEEN, Verdict.CAMERA_OFFLINE)
    np.minimum.at(result, pt, code)
    left = np.flatnonzero(result == Verdict.NO_CAMERA_NEAR)
    if len(left):
        near = _near_any(fleet, incidents, left, near_m)
        result[left[near]] = Verdict.OUT_OF_VIEW
    return result


def _near_any(
    fleet: CameraFleet, incidents: IncidentPoints, which: I64, near_m: float
) -> npt.NDArray[np.bool_]:
    """Whether a camera that existed at each incident's time stood within near_m of it."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    views = fleet.views
    cameras = cKDTree(np.column_stack((views.x, views.y)))
    points = cKDTree(np.column_stack((incidents.x[which], incidents.y[which])))
    pairs = points.sparse_distance_matrix(cameras, near_m, output_type="ndarray")
    near = np.zeros(len(which), dtype=bool)
    if len(pairs) == 0:
        return near
    p, c = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    at = incidents.at_ms[which[p]]
    alive = (fleet.registered_ms[c] <= at) & (at < fleet.retired_ms[c])
    near[p[alive]] = True
    return near


@dataclass(frozen=True)
class CoverageRow:
    """One group's figures: incidents with a point, how many were seen, and the others by reason."""

    key: str | int | None  # None: all the incidents
    incidents: int
    seen: int
    not_seen: dict[str, int]

    @property
    def share(self) -> float | None:
        return self.seen / self.incidents if self.incidents else None


def _row(key: str | int | None, found: npt.NDArray[np.int8]) -> CoverageRow:
    counts = np.bincount(found.astype(np.int64), minlength=len(Verdict))
    return CoverageRow(
        key=key,
        incidents=len(found),
        seen=int(counts[Verdict.SEEN]),
        not_seen={v.label: int(counts[v]) for v in NOT_SEEN},
    )


def table(
    found: npt.NDArray[np.int8], keys: npt.NDArray[np.int64] | list[str | int | None]
) -> tuple[CoverageRow, list[CoverageRow]]:
    """The overall row and one row per group key (ordered by key, an absent key last)."""
    labels = np.asarray(keys, dtype=object)
    overall = _row(None, found)
    if len(found) == 0:
        return overall, []
    uniques, inverse = np.unique(labels.astype(str), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniques) + 1))
    rows = []
    for g in range(len(uniques)):
        members = order[bounds[g] : bounds[g + 1]]
        rows.append(_row(labels[members[0]], found[members]))
    rows.sort(key=lambda r: (r.key is None, str(type(r.key)), r.key if r.key is not None else 0))
    return overall, rows
