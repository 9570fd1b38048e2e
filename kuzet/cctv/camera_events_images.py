"""Pictures sent with camera events (a plate reader's crop, a crowd's frame): JPEG only, read from the bytes,
kept once by their SHA-256 in the camera pictures' folder (KUZET_CAMERA_IMAGES_DIR, by default in the data
folder); and the events of an appeal's incident with their pictures, for staff whose scope covers the
incident (each picture opened is audited: a plate is personal data). The routes are in
camera_events_images_api.py."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from kuzet.appeals import service as appeals
from kuzet.cctv.camera_events_store import CameraEventRepository
from kuzet.core.actor import Actor
from kuzet.core.errors import FieldError, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents

JPEG: Final = b"\xff\xd8\xff"
MEDIA_TYPE: Final = "image/jpeg"
NOT_JPEG = N_("The picture must be a JPEG image, in base64.")
TOO_LARGE = N_("The picture is larger than {max_bytes} bytes.")


def decoded(text: str, *, max_bytes: int) -> bytes:
    """The picture's bytes from its base64 text; a 422 naming `image` if it is not a JPEG or too large."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput([FieldError("image", NOT_JPEG, "not_jpeg")]) from None
    if not data.startswith(JPEG):
        raise InvalidInput([FieldError("image", NOT_JPEG, "not_jpeg")])
    if len(data) > max_bytes:
        raise InvalidInput([FieldError("image", TOO_LARGE, "too_large", params={"max_bytes": max_bytes})])
    return data


def path_of(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / f"{sha256}.jpg"


def keep(folder: Path, data: bytes) -> str:
    """Store the picture once by its hash (written whole, then renamed into place); returns the hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = path_of(folder, sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(path)
    return sha256


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    camera_id: str
    seen_at: datetime
    confidence: float
    plate: str | None
    count: int | None
    outcome: str
    appeal_id: int
    has_image: bool


def of_incident(uow: UnitOfWork, *, incident_id: int, by: Actor) -> list[EventView]:
    """The camera events behind the appeals of an incident in the actor's scope, oldest first."""
    with uow:
        incidents.get_in_scope(uow, incident_id, by)  # out of scope: not found, and the try audited
    appeal_ids = [a.id for a in appeals.of_incidents(uow, [incident_id])]
    with uow:
        rows = uow.repo(CameraEventRepository).of_appeals(appeal_ids)
    return [
        EventView(
            r.id,
            r.kind,
            r.camera_id,
            r.seen_at,
            r.confidence,
            r.plate,
            r._mapping["count"],
            r.outcome,
            r.appeal_id,
            r.image_sha256 is not None,
        )
        for r in rows
    ]


def open_image(uow: UnitOfWork, *, event_id: int, by: Actor, folder: Path, at: datetime) -> Path:
    """An event's picture for a staff member whose scope covers its appeal's incident (else: not found);
    the look is audited."""
    with uow:
        row = uow.repo(CameraEventRepository).by_id(event_id)
        if row is None or row.appeal_id is None or row.image_sha256 is None:
            raise NotFound()
        appeal = appeals.get_step(uow, row.appeal_id)
        incidents.get_in_scope(uow, appeal.incident_id, by)
        uow.audit(by, "cctv.event_image.read", object_type="camera_event", object_id=event_id, at=at)
        uow.commit()
    path = path_of(folder, row.image_sha256)
    if not path.is_file():
        raise NotFound()
    return path
