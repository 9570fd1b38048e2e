"""API shapes of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kuzet.core.audit.checkpoints import CheckpointProblem, MissingTail, ProblemKind
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


class MissingTailOut(BaseModel):
    """Rows that a checkpoint vouched for and that are gone from the end of the chain."""

    first_seq: int
    last_seq: int
    checkpoint_at: datetime
    message: str

    @classmethod
    def from_domain(cls, tail: MissingTail) -> MissingTailOut:
        return cls(
            first_seq=tail.first_seq,
            last_seq=tail.last_seq,
            checkpoint_at=tail.checkpoint_at,
            message=tail.message,
        )


class CheckpointProblemOut(BaseModel):
    kind: ProblemKind
    line: int
    seq: int | None
    reason: str

    @classmethod
    def from_domain(cls, problem: CheckpointProblem) -> CheckpointProblemOut:
        return cls(kind=problem.kind, line=problem.line, seq=problem.seq, reason=problem.reason)


class ChainReportOut(BaseModel):
    ok: bool = Field(description="The chain is unbroken and agrees with every checkpoint.")
    checked: int = Field(description="Rows walked, from the first to the head.")
    broken_seq: int | None = Field(description="The first row that does not fit the chain.")
    reason: str | None
    missing_tail: MissingTailOut | None = Field(
        description="Rows cut off the end of the log after its last checkpoint (the head is behind it)."
    )
    checkpoints_checked: int = Field(description="Authentic checkpoints the chain was held against.")
    latest_checkpoint_seq: int | None
    checkpoint_problems: list[CheckpointProblemOut] = Field(
        description="Checkpoints that are forged, edited or unreadable, or whose row is missing or differs."
    )
    warnings: list[str] = Field(description="For example: no checkpoint has been written yet.")

    @classmethod
    def from_domain(cls, report: ChainReport) -> ChainReportOut:
        held = report.checkpoints
        return cls(
            ok=report.ok,
            checked=report.checked,
            broken_seq=report.broken_seq,
            reason=report.reason,
            missing_tail=MissingTailOut.from_domain(held.missing_tail)
            if held and held.missing_tail
            else None,
            checkpoints_checked=held.checked if held else 0,
            latest_checkpoint_seq=held.latest.seq if held and held.latest else None,
            checkpoint_problems=[CheckpointProblemOut.from_domain(p) for p in held.problems] if held else [],
            warnings=list(held.warnings) if held else [],
        )
