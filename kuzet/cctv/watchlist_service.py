"""Use cases of the watch list: authorised staff add, change and remove plates; every look at the list (the
list, a search, and each check of a plate a camera read) is audited with the plate masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kuzet.cctv.watchlist import PlateError, WatchEntry, entry_problems, mask_plate, normalise_plate
from kuzet.cctv.watchlist_store import WatchlistRepository
from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

LIST_MAX: Final = 1000


def plate_of(raw: str, *, field: str = "plate") -> str:
    """The plate normalised, or a 422 naming the field and the reason."""
    try:
        return normalise_plate(raw, field=field)
    except PlateError as exc:
        raise InvalidInput([exc.error]) from None


def add(
    uow: UnitOfWork, *, plate: str, reason: str, expires_at: datetime, by: Actor, at: datetime
) -> WatchEntry:
    normal = plate_of(plate)
    problems = entry_problems(reason=reason, expires_at=expires_at, now=at)
    if problems:
        raise InvalidInput(problems)
    with uow:
        repo = uow.repo(WatchlistRepository)
        if repo.by_plate(normal) is not None:
            raise Conflict(N_("This plate is on the watch list already."))
        entry = repo.add(plate=normal, reason=reason.strip(), expires_at=expires_at, added_by=by.name, at=at)
        uow.audit(
            by,
            "watchlist.add",
            object_type="watchlist",
            object_id=entry.id,
            at=at,
            detail={"plate": mask_plate(normal), "expires_at": expires_at.isoformat()},
        )
        uow.commit()
    return entry


def change(
    uow: UnitOfWork,
    *,
    entry_id: int,
    reason: str | None,
    expires_at: datetime | None,
    by: Actor,
    at: datetime,
) -> WatchEntry:
    """A new reason or expiry (an expiry may be set in the past only by removing the entry)."""
    with uow:
        repo = uow.repo(WatchlistRepository)
        entry = repo.get(entry_id, for_update=True)
        if entry is None:
            raise NotFound()
        new_reason = entry.reason if reason is None else reason.strip()
        new_expiry = entry.expires_at if expires_at is None else expires_at
        problems = entry_problems(reason=new_reason, expires_at=new_expiry, now=at)
        if problems:
            raise InvalidInput(problems)
        repo.change(entry_id, reason=new_reason, expires_at=new_expiry, at=at)
        uow.audit(
            by,
            "watchlist.change",
            object_type="watchlist",
            object_id=entry_id,
            at=at,
            detail={
                "plate": mask_plate(entry.plate),
                "changed": sorted(
                    name
                    for name, changed in (
                        ("reason", new_reason != entry.reason),
                        ("expires_at", new_expiry != entry.expires_at),
                    )
                    if changed
                ),
                "expires_at": new_expiry.isoformat(),
            },
        )
        uow.commit()
    return WatchEntry(entry.id, entry.plate, new_reason, new_expiry, entry.added_by, entry.added_at, at)


def remove(uow: UnitOfWork, *, entry_id: int, by: Actor, at: datetime) -> None:
    with uow:
        repo = uow.repo(WatchlistRepository)
        entry = repo.get(entry_id, for_update=True)
        if entry is None:
            raise NotFound()
        repo.remove(entry_id)
        uow.audit(
            by,
            "watchlist.remove",
            object_type="watchlist",
            object_id=entry_id,
            at=at,
            detail={"plate": mask_plate(entry.plate)},
        )
        uow.commit()


def get(uow: UnitOfWork, *, entry_id: int, by: Actor, at: datetime) -> WatchEntry:
    with uow:
        entry = uow.repo(WatchlistRepository).get(entry_id)
        if entry is None:
            raise NotFound()
        uow.audit(
            by,
            "watchlist.read",
            object_type="watchlist",
            object_id=entry_id,
            at=at,
            detail={"plate": mask_plate(entry.plate)},
        )
        uow.commit()
    return entry


def entries(uow: UnitOfWork, *, active_only: bool, by: Actor, at: datetime) -> list[WatchEntry]:
    """The list (its active entries, or all); the look is audited with how many entries were shown."""
    with uow:
        found = uow.repo(WatchlistRepository).all(active_at=at if active_only else None, limit=LIST_MAX)
        uow.audit(
            by,
            "watchlist.list",
            object_type="watchlist",
            at=at,
            detail={"active_only": active_only, "shown": len(found)},
        )
        uow.commit()
    return found


@dataclass(frozen=True)
class Search:
    plate: str  # normalised
    exact: WatchEntry | None
    starting_with: list[WatchEntry]


def search(uow: UnitOfWork, *, plate: str, by: Actor, at: datetime, limit: int = 50) -> Search:
    """Entries whose plate is this one or starts with it (a partly read plate); audited, plate masked."""
    normal = plate_of(plate)
    with uow:
        repo = uow.repo(WatchlistRepository)
        found = repo.starting_with(normal, limit=limit)
        exact = next((e for e in found if e.plate == normal), None)
        uow.audit(
            by,
            "watchlist.search",
            object_type="watchlist",
            object_id=exact.id if exact else None,
            at=at,
            detail={"plate": mask_plate(normal), "found": len(found)},
        )
        uow.commit()
    return Search(normal, exact, found)


def match_step(
    uow: UnitOfWork, *, plate: str, seen_at: datetime, by: Actor, at: datetime
) -> WatchEntry | None:
    """Step: the entry of a plate a camera read, if any, active or not (the caller tells which); the check
    is audited in the caller's transaction, plate masked, whatever it finds."""
    entry = uow.repo(WatchlistRepository).by_plate(plate)
    outcome = "none" if entry is None else ("active" if entry.active_at(seen_at) else "expired")
    uow.audit(
        by,
        "watchlist.check",
        object_type="watchlist",
        object_id=entry.id if entry else None,
        at=at,
        detail={"plate": mask_plate(plate), "match": outcome},
    )
    return entry
