"""Use cases of the audit log: read it and verify its chain."""

from __future__ import annotations

from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.audit.domain import AuditEntry, ChainReport, verify_chain
from kuzet.core.errors import Forbidden
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork


def verify(uow: UnitOfWork) -> ChainReport:
    with uow:
        head_seq, head_hash = uow.audit_log.head()
        return verify_chain(
            uow.audit_log.walk(up_to=head_seq), head_seq=head_seq, head_hash=head_hash, key=uow.audit_log.key
        )


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
