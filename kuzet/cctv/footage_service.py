"""Use cases of footage requests: ask for a camera's recording for an incident, record its export and its
hand-over to the investigator, and read the requests with their trail. Each step is one transaction with its
audit row; the incident must be in the actor's scope (else it is missing, and the try audited)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kuzet.cctv.footage import (
    CustodyEntry,
    CustodyStep,
    FootageRequest,
    advance,
    check_export,
    check_hand_over,
    check_reason,
    check_window,
)
from kuzet.cctv.footage_store import FootageRepository
from kuzet.cctv.store import CameraRepository
from kuzet.core.actor import Actor
from kuzet.core.errors import InvalidInput, NotFound
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents

LIST_LIMIT = 200


def _entry(step: CustodyStep, by: Actor, at: datetime, **details: str) -> CustodyEntry:
    return CustodyEntry(step=step, at=at, by=by.name, by_role=by.role, **details)


def request_footage(
    uow: UnitOfWork,
    *,
    camera_id: str,
    incident_id: int,
    window_start: datetime,
    window_end: datetime,
    reason: str,
    by: Actor,
    at: datetime,
) -> FootageRequest:
    """Ask for a camera's recording of a window (within the camera's retention) for an incident."""
    with uow:
        incident = incidents.get_in_scope(uow, incident_id, by)
        camera = uow.repo(CameraRepository).get(camera_id, None)
        if camera is None:
            raise NotFound()
        problems = check_window(window_start, window_end, retention_days=camera.retention_days, now=at)
        problems += check_reason(reason)
        if problems:
            raise InvalidInput(problems)
        request = FootageRequest(
            camera_id=camera_id,
            incident_id=incident_id,
            district=incident.district,
            window_start=window_start,
            window_end=window_end,
            reason=reason.strip(),
            trail=(_entry(CustodyStep.REQUESTED, by, at),),
        )
        request_id = uow.repo(FootageRepository).add(request)
        uow.audit(
            by,
            "footage.request",
            object_type="footage_request",
            object_id=request_id,
            at=at,
            detail={
                "camera_id": camera_id,
                "incident_id": incident_id,
                "window_start": window_start.isoformat(),
                "window_end": window_end.isoformat(),
            },
        )
        uow.commit()
    return replace(request, request_id=request_id)


def _step(
    uow: UnitOfWork, request_id: int, entry: CustodyEntry, by: Actor, detail: dict[str, str]
) -> FootageRequest:
    with uow:
        repo = uow.repo(FootageRepository)
        request = repo.get(request_id, for_update=True)
        incidents.get_in_scope(uow, request.incident_id, by)
        moved = advance(request, entry)
        repo.append(request_id, entry)
        uow.audit(
            by,
            f"footage.{entry.step.value}",
            object_type="footage_request",
            object_id=request_id,
            at=entry.at,
            detail={"camera_id": request.camera_id, "incident_id": request.incident_id, **detail},
        )
        uow.commit()
    return moved


def record_export(
    uow: UnitOfWork,
    *,
    request_id: int,
    file_sha256: str,
    file_reference: str,
    by: Actor,
    at: datetime,
) -> FootageRequest:
    """The recording was copied off the recorder: the file's SHA-256 and where the copy is kept."""
    problems = check_export(file_sha256, file_reference)
    if problems:
        raise InvalidInput(problems)
    entry = _entry(
        CustodyStep.EXPORTED, by, at, file_sha256=file_sha256, file_reference=file_reference.strip()
    )
    return _step(uow, request_id, entry, by, {"file_sha256": file_sha256})


def hand_over(
    uow: UnitOfWork,
    *,
    request_id: int,
    investigator_name: str,
    investigator_badge: str,
    by: Actor,
    at: datetime,
) -> FootageRequest:
    """The exported copy was handed to the investigator (named in the trail; the audit keeps the badge)."""
    problems = check_hand_over(investigator_name, investigator_badge)
    if problems:
        raise InvalidInput(problems)
    entry = _entry(
        CustodyStep.HANDED_OVER,
        by,
        at,
        investigator_name=investigator_name.strip(),
        investigator_badge=investigator_badge.strip(),
    )
    return _step(uow, request_id, entry, by, {"investigator_badge": investigator_badge.strip()})


def get(uow: UnitOfWork, *, request_id: int, by: Actor) -> FootageRequest:
    with uow:
        request = uow.repo(FootageRepository).get(request_id)
        incidents.get_in_scope(uow, request.incident_id, by)
    return request


def find(
    uow: UnitOfWork, *, camera_id: str | None, incident_id: int | None, by: Actor
) -> list[FootageRequest]:
    """A camera's or an incident's requests with their trails, newest first: only those of incidents in the
    actor's scope (an incident out of scope is missing, as everywhere)."""
    with uow:
        if incident_id is not None:
            incidents.get_in_scope(uow, incident_id, by)
        found = uow.repo(FootageRepository).find(
            camera_id=camera_id, incident_id=incident_id, limit=LIST_LIMIT
        )
    return [r for r in found if by.in_scope(r.district)]
