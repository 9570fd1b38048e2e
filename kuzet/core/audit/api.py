"""Routes of the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from kuzet.core.actor import Actor
from kuzet.core.audit import service
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.domain import Outcome
from kuzet.core.audit.schemas import AuditEntryOut, ChainReportOut
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import ServicesDep, UowDep, require
from kuzet.core.ids import AuditSeq

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryOut], summary="Audit entries, newest first")
def list_entries(
    actor: Annotated[Actor, Depends(require(Permission.AUDIT_READ))],
    uow: UowDep,
    action: Annotated[str | None, Query(max_length=80)] = None,
    by_actor: Annotated[str | None, Query(alias="actor", max_length=120)] = None,
    outcome: Outcome | None = None,
    since: AwareDatetime | None = None,
    before_seq: AuditSeq | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    entries = service.search(
        uow,
        by=actor,
        action=action,
        actor=by_actor,
        outcome=outcome.value if outcome else None,
        since=since,
        before_seq=before_seq,
        limit=limit,
    )
    return [AuditEntryOut.from_domain(e) for e in entries]


@router.get(
    "/verify",
    response_model=ChainReportOut,
    summary="Walk the hash chain, hold it against the checkpoints; name a broken row or a cut tail",
)
def verify(
    actor: Annotated[Actor, Depends(require(Permission.AUDIT_VERIFY))], uow: UowDep, services: ServicesDep
) -> ChainReportOut:
    checkpoints = CheckpointLog.from_settings(services.settings)
    return ChainReportOut.from_domain(service.verify(uow, checkpoints=checkpoints))
