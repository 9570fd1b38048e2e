"""Photos, videos and voice messages sent with partner appeals: the type is read from the bytes, not trusted
from the sender, and each file is stored once by its SHA-256 in the media folder (KUZET_MEDIA_DIR)."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from kuzet.appeals import service as appeals
from kuzet.core.actor import Actor
from kuzet.core.errors import FieldError, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents
from kuzet.partners.domain import Partner, partner_actor
from kuzet.partners.store import PartnerRepository


class MediaKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"


_FTYP_BRANDS = {
    b"heic": (MediaKind.PHOTO, "image/heic"),
    b"heix": (MediaKind.PHOTO, "image/heic"),
    b"mif1": (MediaKind.PHOTO, "image/heif"),
    b"M4A ": (MediaKind.VOICE, "audio/mp4"),
    b"qt  ": (MediaKind.VIDEO, "video/quicktime"),
}


def sniff(head: bytes) -> tuple[MediaKind, str] | None:
    """The kind and MIME type of a file from its first bytes, or None for anything we do not accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaKind.PHOTO, "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.PHOTO, "image/png"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], (MediaKind.VIDEO, "video/mp4"))
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MediaKind.VIDEO, "video/webm"
    if head.startswith(b"OggS"):
        return MediaKind.VOICE, "audio/ogg"
    if head.startswith(b"#!AMR"):
        return MediaKind.VOICE, "audio/amr"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return MediaKind.VOICE, "audio/wav"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return MediaKind.VOICE, "audio/mpeg"
    return None


# Every type `sniff` can name, for the API's documentation (a test holds the two together).
ACCEPTED_TYPES: Final = (
    "image/jpeg",
    "image/png",
    "image/heic",
    "image/heif",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "audio/mp4",
    "audio/ogg",
    "audio/amr",
    "audio/wav",
    "audio/mpeg",
)


@dataclass(frozen=True)
class StoredMedia:
    id: str
    sha256: str
    kind: MediaKind
    mime: str
    size: int


def store(
    uow: UnitOfWork, *, partner: Partner, content: bytes, folder: Path, max_bytes: int, at: datetime
) -> StoredMedia:
    """Check and keep one file; it is attached to an appeal when the appeal names its id."""
    if not content:
        raise InvalidInput([FieldError("body", N_("The file is empty."), "empty")])
    if len(content) > max_bytes:
        raise InvalidInput([FieldError("body", N_("The file is too large."), "too_large")])
    sniffed = sniff(content[:16])
    if sniffed is None:
        raise InvalidInput(
            [
                FieldError(
                    "body", N_("Only photos, videos and voice messages are accepted."), "unsupported_type"
                )
            ]
        )
    kind, mime = sniffed
    digest = hashlib.sha256(content).hexdigest()
    path = folder / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
        with partial.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    media = StoredMedia(str(uuid.uuid4()), digest, kind, mime, len(content))
    with uow:
        uow.repo(PartnerRepository).add_media(
            id=media.id,
            partner_code=partner.code,
            sha256=digest,
            kind=kind.value,
            mime=mime,
            size=media.size,
            created_at=at,
        )
        uow.audit(
            partner_actor(partner),
            "partner.media",
            object_type="media",
            object_id=media.id,
            at=at,
            detail={"sha256": digest, "size": media.size, "mime": mime},
        )
        uow.commit()
    return media


@dataclass(frozen=True)
class AttachedMedia:
    id: str
    appeal_id: int
    kind: str
    mime: str
    size: int
    sha256: str


def attached(uow: UnitOfWork, appeal_ids: list[int]) -> dict[int, list[AttachedMedia]]:
    """The media of these appeals, by appeal (for the incident card; the caller has checked scope)."""
    if not appeal_ids:
        return {}
    with uow:
        rows = uow.repo(PartnerRepository).media_of_appeals(appeal_ids)
    found: dict[int, list[AttachedMedia]] = {}
    for row in rows:
        found.setdefault(row.appeal_id, []).append(_attached(row))
    return found


def _attached(row: Any) -> AttachedMedia:
    return AttachedMedia(row.id, row.appeal_id, row.kind, row.mime, row.size, row.sha256)


def open_for(uow: UnitOfWork, media_id: str, *, by: Actor, folder: Path) -> tuple[AttachedMedia, Path]:
    """One appeal's file for a staff member whose scope covers the appeal's incident (else: not found)."""
    with uow:
        row = uow.repo(PartnerRepository).media_by_id(media_id)
        if row is None or row.appeal_id is None:
            raise NotFound()
        appeal = appeals.get_step(uow, row.appeal_id)
        incidents.get_in_scope(uow, appeal.incident_id, by)
    path = folder / row.sha256[:2] / row.sha256
    if not path.is_file():
        raise NotFound()
    return _attached(row), path
