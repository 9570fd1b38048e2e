"""How long camera events are kept (KUZET_CCTV_EVENT_RETENTION_DAYS, 30 by default), run by the relay's
housekeeping. A plate read is personal data: a car's plate, where and when it was seen, and maybe its picture.

Past the retention:
- an event that made no appeal (a plate not on the watch list, a read below the confidence, a small crowd)
  is deleted, row and picture: nothing refers to it;
- an event that made an appeal is kept, because the appeal's incident refers to it (the card lists the camera
  events of its appeals), but without its plate, its picture and its watch-list entry: what stays is the
  camera, the time, the kind, the confidence, the outcome and the link to the appeal. The appeal's own text
  belongs to the incident's record and follows its rules, not these.

A picture's file is removed when no kept event refers to it any more (pictures are kept once by their hash).
Each run does at most BATCH events, oldest first; the next run goes on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from kuzet.cctv.camera_events_images import path_of
from kuzet.cctv.camera_events_store import CameraEventRepository
from kuzet.core.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH: Final = 5000


@dataclass(frozen=True)
class Forgotten:
    deleted: int  # events that made no appeal
    emptied: int  # events of appeals kept without plate and picture
    pictures: int  # picture files removed


def forget_old_events(uow: UnitOfWork, *, folder: Path, at: datetime, retention: timedelta) -> Forgotten:
    """Forget the camera events received before `at - retention` (see the module's note)."""
    with uow:
        repo = uow.repo(CameraEventRepository)
        rows = repo.expired(before=at - retention, limit=BATCH)
        unlinked = [r.id for r in rows if r.appeal_id is None]
        of_appeals = [r.id for r in rows if r.appeal_id is not None]
        repo.delete(unlinked)
        repo.forget_what_was_seen(of_appeals)
        hashes = {r.image_sha256 for r in rows if r.image_sha256 is not None}
        unused = hashes - repo.images_in_use(hashes)
        uow.commit()
    removed = 0
    for sha256 in sorted(unused):
        path = path_of(folder, sha256)
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    if rows:
        log.info(
            "camera events past retention: %d deleted, %d kept without plate or picture, %d pictures removed",
            len(unlinked),
            len(of_appeals),
            removed,
        )
    return Forgotten(len(unlinked), len(of_appeals), removed)
