"""Use cases of camera health: heartbeats (over HTTP or MQTT) kept as spans of life; which cameras are offline
and since when, for the supervisor; uptime per camera and per owner over a period; and the sweep that tells
the consoles when a camera went silent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kuzet.cctv.health import CameraState, Health, Uptime, by_owner, continues, health_of, up_seconds
from kuzet.cctv.health_store import HealthRepository
from kuzet.cctv.store import CameraRepository
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork


@dataclass(frozen=True)
class CameraHealthChanged(DomainEvent):
    """A camera went offline (silent past the setting) or came back online."""

    name = "camera.health"
    camera_id: str
    state: str
    since: datetime | None


def beat_step(
    uow: UnitOfWork, camera_ids: Iterable[str], *, via: str, at: datetime, offline_after: timedelta
) -> list[str]:
    """Step: a heartbeat of each camera at `at` (our receipt time); returns the ids not registered."""
    wanted = sorted(set(camera_ids))
    known = uow.repo(CameraRepository).exists(wanted)
    repo = uow.repo(HealthRepository)
    latest = repo.latest(sorted(known), for_update=True)
    for camera_id in sorted(known):
        found = latest.get(camera_id)
        span_id, span = found if found is not None else (None, None)
        if span_id is not None and continues(span, at, offline_after):
            repo.extend(span_id, at=at, via=via)
            continue
        repo.start(camera_id, at=at, via=via)
        if span_id is not None:  # back after a silence (a first heartbeat ever is no news)
            repo.told([span_id])  # its silence is over: never announced as a new one
            uow.emit(CameraHealthChanged(camera_id, CameraState.ONLINE.value, at))
    return [c for c in wanted if c not in known]


def beats(
    uow: UnitOfWork, camera_ids: list[str], *, via: str, at: datetime, offline_after: timedelta
) -> list[str]:
    """Heartbeats in a transaction of their own (the MQTT subscriber's); returns the ids not registered."""
    with uow:
        unknown = beat_step(uow, camera_ids, via=via, at=at, offline_after=offline_after)
        uow.commit()
    return unknown


@dataclass(frozen=True)
class CameraHealth:
    camera_id: str
    owner: str
    type: str
    status: str  # the registry's status (maintenance is known, not an alarm)
    health: Health

    @property
    def alarm(self) -> bool:
        return self.health.state is CameraState.OFFLINE and self.status == "active"


def health(uow: UnitOfWork, *, now: datetime, offline_after: timedelta) -> list[CameraHealth]:
    """Every camera not retired with its state, the offline ones first, the longest silent first."""
    with uow:
        repo = uow.repo(HealthRepository)
        watched = repo.watched_cameras()
        latest = repo.latest([c.camera_id for c in watched])
    found = []
    for camera in watched:
        span = latest.get(camera.camera_id)
        state = health_of(span[1] if span else None, now=now, offline_after=offline_after)
        found.append(CameraHealth(camera.camera_id, camera.owner, camera.type, camera.status, state))

    def order(c: CameraHealth) -> tuple[Any, ...]:
        offline = c.health.state is CameraState.OFFLINE
        return (not offline, c.health.since is not None, c.health.since or now, c.camera_id)

    return sorted(found, key=order)


PERIOD_ORDER = N_("The end of the period must be after its start.")
PERIOD_MAX = timedelta(days=400)


@dataclass(frozen=True)
class UptimeReport:
    start: datetime
    end: datetime
    cameras: list[tuple[str, str, Uptime]]  # (camera id, owner, uptime)
    owners: list[Uptime]


def uptime(
    uow: UnitOfWork, *, start: datetime, end: datetime, now: datetime, offline_after: timedelta
) -> UptimeReport:
    """Uptime of each camera over [start, end) — measured from its registration, to now at most — and of
    each owner's cameras together."""
    if end <= start:
        raise InvalidInput([FieldError("to", PERIOD_ORDER, "period_order")])
    if end - start > PERIOD_MAX:
        raise InvalidInput(
            [
                FieldError(
                    "to", N_("The period is at most {days} days."), "period_too_long", params={"days": 400}
                )
            ]
        )
    with uow:
        repo = uow.repo(HealthRepository)
        watched = repo.watched_cameras()
        spans = repo.spans([c.camera_id for c in watched], start=start, end=end)
    rows = []
    for camera in watched:
        lo, hi = max(start, camera.created_at), min(end, now)
        period = max(0.0, (hi - lo).total_seconds())
        up = (
            up_seconds(spans[camera.camera_id], start=lo, end=hi, now=now, offline_after=offline_after)
            if period
            else 0.0
        )
        rows.append((camera.camera_id, camera.owner, Uptime(camera.camera_id, 1, period, up)))
    return UptimeReport(start, end, rows, by_owner((owner, u) for _, owner, u in rows))


def sweep(uow: UnitOfWork, *, now: datetime, offline_after: timedelta) -> list[str]:
    """Tell the consoles of every camera that went silent since the last sweep (once per silence); returns
    their ids. Run by the server's periodic housekeeping."""
    with uow:
        repo = uow.repo(HealthRepository)
        silent = repo.untold_silent(before=now - offline_after)
        for _, span in silent:
            uow.emit(CameraHealthChanged(span.camera_id, CameraState.OFFLINE.value, span.last_beat_at))
        repo.told([span_id for span_id, _ in silent])
        uow.commit()
    return sorted({span.camera_id for _, span in silent})
