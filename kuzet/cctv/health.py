"""A camera's health from its heartbeats. Pure.

Heartbeats (over HTTP from an analytics source or a video system, or over MQTT from the camera) are kept as
spans of life: a span starts with a heartbeat after a silence and runs to the latest heartbeat heard while
no gap between two was longer than `offline_after`. So:
- a camera whose latest heartbeat is older than `offline_after` is offline, since that heartbeat;
- one never heard from is offline since its registration (`since` is None: never heard);
- its uptime over a period is the part of the period its spans cover (an open span runs to now).

Like an agency link's health, the state is computed when asked, from the spans; nothing is stored but them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class CameraState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Span:
    camera_id: str
    started_at: datetime
    last_beat_at: datetime


def continues(span: Span | None, at: datetime, offline_after: timedelta) -> bool:
    """Whether a heartbeat at `at` extends the span (else it starts a new one: the camera came back)."""
    return span is not None and at - span.last_beat_at <= offline_after


@dataclass(frozen=True)
class Health:
    state: CameraState
    since: datetime | None  # offline: the last heartbeat (None: never heard); online: the span's start
    last_beat_at: datetime | None


def health_of(latest: Span | None, *, now: datetime, offline_after: timedelta) -> Health:
    if latest is None:
        return Health(CameraState.OFFLINE, None, None)
    if now - latest.last_beat_at > offline_after:
        return Health(CameraState.OFFLINE, latest.last_beat_at, latest.last_beat_at)
    return Health(CameraState.ONLINE, latest.started_at, latest.last_beat_at)


def up_seconds(
    spans: Iterable[Span], *, start: datetime, end: datetime, now: datetime, offline_after: timedelta
) -> float:
    """Seconds of [start, end) that the spans cover. A span still alive at `now` runs to `now`; a closed one
    ends at its last heartbeat. Spans of one camera never overlap."""
    total = 0.0
    for span in spans:
        alive = now - span.last_beat_at <= offline_after
        span_end = now if alive else span.last_beat_at
        lo, hi = max(span.started_at, start), min(span_end, end)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


@dataclass(frozen=True)
class Uptime:
    key: str  # the camera id, or the owner
    cameras: int
    period_seconds: float  # the period measured (to now at most), times the cameras
    up_seconds: float

    @property
    def ratio(self) -> float | None:
        return self.up_seconds / self.period_seconds if self.period_seconds > 0 else None


def by_owner(per_camera: Iterable[tuple[str, Uptime]]) -> list[Uptime]:
    """Each owner's uptime: its cameras' up time over their periods together (owner, camera's uptime)."""
    owners: dict[str, Uptime] = {}
    for owner, camera in per_camera:
        seen = owners.get(owner, Uptime(owner, 0, 0.0, 0.0))
        owners[owner] = Uptime(
            owner,
            seen.cameras + 1,
            seen.period_seconds + camera.period_seconds,
            seen.up_seconds + camera.up_seconds,
        )
    return [owners[o] for o in sorted(owners)]
