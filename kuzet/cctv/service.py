"""Use cases of the camera registry: register, change, retire and import cameras, and read them. Every change
is audited; the audit rows never hold a camera's addresses (only whether it has them).

A camera is never deleted: footage requests, alerts and uptime refer to it, so "delete" retires it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kuzet.cctv import imports
from kuzet.cctv.domain import (
    CHANGEABLE,
    BBox,
    Camera,
    CameraStatus,
    audit_detail,
    changed_fields,
    check_camera,
)
from kuzet.cctv.store import CameraRepository
from kuzet.core.actor import Actor
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import Conflict, FieldError, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

EXISTS = N_("A camera with this id is registered already.")


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the ids of the rows accepted (stored, or on a dry run the ones that would be) and
    each problem of each rejected row."""

    rows: int
    accepted: list[str]
    rejected: list[imports.Rejected]
    dry_run: bool

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})


def _valid(camera: Camera, region: BBox) -> None:
    problems = check_camera(camera, region)
    if problems:
        raise InvalidInput(problems)


def register(
    uow: UnitOfWork, box: SecretBox, *, camera: Camera, region: BBox, by: Actor, at: datetime
) -> Camera:
    """Add a camera to the registry."""
    _valid(camera, region)
    with uow:
        repo = uow.repo(CameraRepository)
        if repo.exists([camera.camera_id]):
            raise Conflict(EXISTS, extra={"field": "camera_id"})
        repo.add(camera, box, at=at)
        uow.audit(
            by,
            "camera.create",
            object_type="camera",
            object_id=camera.camera_id,
            at=at,
            detail=audit_detail(camera),
        )
        uow.commit()
    return camera


def update(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    camera_id: str,
    changes: Mapping[str, Any],
    region: BBox,
    by: Actor,
    at: datetime,
) -> Camera:
    """Change what is given (a PATCH). An address given as null is removed."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    with uow:
        repo = uow.repo(CameraRepository)
        camera = repo.get(camera_id, box, for_update=True)
        if camera is None:
            raise NotFound()
        changed = dataclasses.replace(camera, **changes)
        _valid(changed, region)
        names = changed_fields(camera, changed)
        if names:
            repo.replace(changed, box, at=at)
            uow.audit(
                by,
                "camera.update",
                object_type="camera",
                object_id=camera_id,
                at=at,
                detail={"fields": names, **{k: v for k, v in audit_detail(changed).items() if k in names}},
            )
        uow.commit()
    return changed


def retire(uow: UnitOfWork, box: SecretBox, *, camera_id: str, by: Actor, at: datetime) -> Camera:
    """Take a camera out of service for good (its record stays, for footage and alerts that name it)."""
    with uow:
        repo = uow.repo(CameraRepository)
        camera = repo.get(camera_id, box, for_update=True)
        if camera is None:
            raise NotFound()
        if camera.status is not CameraStatus.RETIRED:
            retired = dataclasses.replace(camera, status=CameraStatus.RETIRED)
            repo.replace(retired, box, at=at)
            uow.audit(
                by,
                "camera.retire",
                object_type="camera",
                object_id=camera_id,
                at=at,
                detail={"status_before": camera.status.value},
            )
            camera = retired
        uow.commit()
    return camera


def get(uow: UnitOfWork, *, camera_id: str, box: SecretBox | None) -> Camera:
    """One camera; its addresses opened only when given the box."""
    with uow:
        camera = uow.repo(CameraRepository).get(camera_id, box)
    if camera is None:
        raise NotFound()
    return camera


def read_addresses(uow: UnitOfWork, box: SecretBox, *, camera_id: str, by: Actor, at: datetime) -> Camera:
    """One camera with its addresses opened, for a role allowed to watch; the read is audited."""
    with uow:
        camera = uow.repo(CameraRepository).get(camera_id, box)
        if camera is None:
            raise NotFound()
        uow.audit(by, "camera.addresses_read", object_type="camera", object_id=camera_id, at=at)
        uow.commit()
    return camera


def listing(
    uow: UnitOfWork,
    *,
    box: SecretBox | None,
    statuses: frozenset[CameraStatus] | None = None,
    owner: str | None = None,
) -> list[Camera]:
    with uow:
        return uow.repo(CameraRepository).all(box, statuses=statuses, owner=owner)


def import_cameras(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    data: bytes,
    file_format: str,
    region: BBox,
    dry_run: bool,
    source: str,
    by: Actor,
    at: datetime,
) -> ImportReport:
    """Import a camera file row by row (not all-or-nothing): every valid row is stored, every broken row is
    rejected whole and reported (row, field, reason). A row whose id is registered already is rejected too
    (an import adds cameras; change one through the API). With `dry_run`, the same report and nothing stored.
    A file that cannot be read as a whole raises InvalidInput naming the file, and nothing is stored."""
    try:
        parsed = imports.parse(data, file_format, region)
    except imports.ImportFileError as exc:
        raise InvalidInput(
            [
                FieldError(
                    "file", N_("The file cannot be read: {problem}."), "file", params={"problem": str(exc)}
                )
            ]
        ) from exc
    with uow:
        repo = uow.repo(CameraRepository)
        registered = repo.exists([c.camera_id for _, c in parsed.cameras])
        rejected = list(parsed.rejected)
        fresh = []
        for row, camera in parsed.cameras:
            if camera.camera_id in registered:
                rejected.append(imports.Rejected(row, camera.camera_id, "camera_id", EXISTS, "exists", {}))
            else:
                fresh.append(camera)
        rejected.sort(key=lambda r: r.row)
        if not dry_run:
            for camera in fresh:
                repo.add(camera, box, at=at)
                detail = {**audit_detail(camera), "import": source}
                uow.audit(
                    by,
                    "camera.create",
                    object_type="camera",
                    object_id=camera.camera_id,
                    at=at,
                    detail=detail,
                )
            uow.audit(
                by,
                "camera.import",
                object_type="camera_import",
                object_id=source[:200],
                at=at,
                detail={
                    "format": file_format,
                    "rows": parsed.rows,
                    "stored": len(fresh),
                    "rejected_rows": len({r.row for r in rejected}),
                },
            )
            uow.commit()
    return ImportReport(parsed.rows, [c.camera_id for c in fresh], rejected, dry_run)
