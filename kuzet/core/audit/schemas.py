"""API shapes of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from kuzet.core.audit.domain import AuditEntry, ChainReport


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    role: str | None
    source: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    detail: dict[str, Any]
    hash: str

    @classmethod
    def from_domain(cls, entry: AuditEntry) -> AuditEntryOut:
        r = entry.record
        return cls(
            seq=entry.seq,
            at=r.at,
            actor=r.actor,
            role=r.role,
            source=r.source,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            outcome=str(r.outcome),
            detail=dict(r.detail),
            hash=entry.hash,
        )


class ChainReportOut(BaseModel):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str | None

    @classmethod
    def from_domain(cls, report: ChainReport) -> ChainReportOut:
        return cls(ok=report.ok, checked=report.checked, broken_seq=report.broken_seq, reason=report.reason)
