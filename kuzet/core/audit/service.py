"""Use cases of the audit log: read it and verify its chain."""

from __future__ import annotations

from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.audit.domain import AuditEntry, ChainReport, verify_chain
from kuzet.core.audit.store import AuditRepository
from kuzet.core.errors import Forbidden
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork


def verify(uow: UnitOfWork) -> ChainReport:
    with uow:
        repo = uow.repo(AuditRepository)
        head_seq, head_hash = repo.head()
        return verify_chain(repo.walk(), head_seq=head_seq, head_hash=head_hash)


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
    if not by.region_wide:
        raise Forbidden(N_("Only region-wide staff may read the audit log."))
    with uow:
        return uow.repo(AuditRepository).search(
            action=action, actor=actor, outcome=outcome, since=since, before_seq=before_seq, limit=limit
        )
