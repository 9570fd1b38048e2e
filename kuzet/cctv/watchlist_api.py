"""Routes of the watch list (/api/v1/watchlist): authorised staff keep the plates cameras look for. Every
look is audited; a plate is searched in a request body, never in a URL that logs would keep."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kuzet.cctv import watchlist_service as service
from kuzet.cctv.watchlist import REASON_MAX, WatchEntry
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, UowDep, require
from kuzet.core.ids import RowId
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/watchlist", tags=["cctv"])
Keeper = Annotated[Actor, Depends(require(Permission.WATCHLIST_MANAGE))]
PLATE_DESCRIPTION = (
    "Latin letters and digits, as `123ABC02` or `A123BCD`; spaces and dashes are dropped, and Cyrillic "
    "letters that look like Latin ones (А В Е К М Н О Р С Т Х У) are read as Latin"
)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plate: str = Field(max_length=40, description=PLATE_DESCRIPTION)
    reason: str = Field(max_length=REASON_MAX, description="Why the vehicle is looked for")
    expires_at: AwareDatetime = Field(description="When the entry stops raising alerts")


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    expires_at: AwareDatetime | None = None


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plate: str = Field(
        max_length=40, description=PLATE_DESCRIPTION + "; a beginning finds every plate it starts"
    )


class EntryOut(BaseModel):
    id: int
    plate: str = Field(description="Normalised")
    reason: str
    expires_at: datetime
    active: bool
    added_by: str
    added_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entry: WatchEntry, now: datetime) -> EntryOut:
        return cls(
            id=entry.id,
            plate=entry.plate,
            reason=entry.reason,
            expires_at=entry.expires_at,
            active=entry.active_at(now),
            added_by=entry.added_by,
            added_at=entry.added_at,
            updated_at=entry.updated_at,
        )


class SearchOut(BaseModel):
    plate: str = Field(description="The plate searched for, normalised")
    exact: EntryOut | None = Field(description="The entry of exactly this plate")
    entries: list[EntryOut] = Field(description="Entries whose plate starts with it")


@router.get("", response_model=list[EntryOut], summary="The watch list (audited)")
def list_entries(
    actor: Keeper,
    uow: UowDep,
    at: NowDep,
    active: Annotated[bool, Query(description="Only entries not expired")] = False,
) -> list[EntryOut]:
    return [EntryOut.of(e, at) for e in service.entries(uow, active_only=active, by=actor, at=at)]


@router.post(
    "",
    response_model=EntryOut,
    status_code=201,
    summary="Put a plate on the watch list",
    responses=problems(409),
)
def add_entry(body: EntryIn, actor: Keeper, uow: UowDep, at: NowDep) -> EntryOut:
    entry = service.add(
        uow, plate=body.plate, reason=body.reason, expires_at=body.expires_at, by=actor, at=at
    )
    return EntryOut.of(entry, at)


@router.post("/search", response_model=SearchOut, summary="Look a plate up (audited)")
def search(body: SearchIn, actor: Keeper, uow: UowDep, at: NowDep) -> SearchOut:
    found = service.search(uow, plate=body.plate, by=actor, at=at)
    return SearchOut(
        plate=found.plate,
        exact=EntryOut.of(found.exact, at) if found.exact else None,
        entries=[EntryOut.of(e, at) for e in found.starting_with],
    )


@router.get("/{entry_id}", response_model=EntryOut, summary="One entry (audited)")
def get_entry(entry_id: RowId, actor: Keeper, uow: UowDep, at: NowDep) -> EntryOut:
    return EntryOut.of(service.get(uow, entry_id=entry_id, by=actor, at=at), at)


@router.patch("/{entry_id}", response_model=EntryOut, summary="Change an entry's reason or expiry")
def change_entry(entry_id: RowId, body: EntryPatch, actor: Keeper, uow: UowDep, at: NowDep) -> EntryOut:
    entry = service.change(
        uow, entry_id=entry_id, reason=body.reason, expires_at=body.expires_at, by=actor, at=at
    )
    return EntryOut.of(entry, at)


@router.delete("/{entry_id}", status_code=204, summary="Take a plate off the watch list")
def remove_entry(entry_id: RowId, actor: Keeper, uow: UowDep, at: NowDep) -> None:
    service.remove(uow, entry_id=entry_id, by=actor, at=at)
