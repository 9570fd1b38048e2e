"""Use cases of the audit log: read it, verify its chain, and checkpoint its head outside the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoints import (
    CHECKPOINT_LOGGER,
    CHECKPOINT_MESSAGE,
    Checkpoint,
    CheckpointReport,
    Due,
    check_against_chain,
    due,
    latest_authentic,
    make_checkpoint,
    rows_to_look_up,
)
from kuzet.core.audit.domain import AuditEntry, ChainReport, verify_chain
from kuzet.core.errors import Forbidden
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

log = logging.getLogger(CHECKPOINT_LOGGER)


def verify(uow: UnitOfWork, *, checkpoints: CheckpointLog) -> ChainReport:
    """Walk the chain up to its head and hold it against the checkpoints.

    The checkpoints are read before the head: every one of them was written after its row was committed, so
    a head read afterwards can only be behind the newest one if rows were taken away."""
    readings = checkpoints.read()
    with uow:
        head_seq, head_hash = uow.audit_log.head()
        report = verify_chain(
            uow.audit_log.walk(up_to=head_seq), head_seq=head_seq, head_hash=head_hash, key=uow.audit_log.key
        )
        source = str(checkpoints.path)
        if readings is None:
            return replace(report, checkpoints=CheckpointReport(source, found=False))
        stored = uow.audit_log.hashes_at(rows_to_look_up(readings, head_seq=head_seq))
    held = check_against_chain(
        readings, source=source, key=checkpoints.key, head_seq=head_seq, stored_hashes=stored
    )
    return replace(report, checkpoints=held)


@dataclass(frozen=True)
class CheckpointResult:
    head_seq: int
    due: Due
    written: Checkpoint | None  # the checkpoint appended, when one was due
    latest: Checkpoint | None  # the newest checkpoint before this one


def write_checkpoint(uow: UnitOfWork, *, checkpoints: CheckpointLog, at: datetime) -> CheckpointResult:
    """Append a checkpoint of the chain's head to the file and to the log, if the head moved since the newest
    one. A head behind the newest checkpoint is not checkpointed: that would only hide a cut tail."""
    with uow:
        head_seq, head_hash = uow.audit_log.head()
    with checkpoints.appending() as (tail, append):
        latest = latest_authentic(tail.checkpoints, checkpoints.key)
        decision = due(head_seq, head_hash, latest)
        if decision is not Due.WRITE:
            if decision is Due.BEHIND:
                log.warning(
                    "audit head is behind the newest checkpoint: the log was cut; run `kuzet audit verify`",
                    extra={"head_seq": head_seq, "checkpoint_seq": latest.seq if latest else None},
                )
            return CheckpointResult(head_seq, decision, None, latest)
        checkpoint = make_checkpoint(head_seq, head_hash, at=at, key=checkpoints.key)
        append(checkpoint.line())
    # The hashes go in a nested field: the log's scrubber masks runs of digits in top-level strings.
    log.info(CHECKPOINT_MESSAGE, extra={"checkpoint": checkpoint.fields()})
    return CheckpointResult(head_seq, decision, checkpoint, latest)


def search(
    uow: UnitOfWork,
    *,
    by: Actor,
    action: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first. The log spans every district, so only region-wide staff may read it."""
    with uow:
        if not by.region_wide:
            raise uow.refuse(
                by,
                "audit.read",
                Forbidden(N_("Only region-wide staff may read the audit log.")),
                object_type="audit_log",
                reason="out_of_scope",
            )
        return uow.audit_log.search(
            action=action, actor=actor, outcome=outcome, since=since, before_seq=before_seq, limit=limit
        )
