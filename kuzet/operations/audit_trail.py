"""The audit log as the backup commands use it: a row for each backup, restore and drill, and the chain's
verification of a restored database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kuzet.core.actor import Actor
from kuzet.core.audit import service as audit_service
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoints import checkpoint_key
from kuzet.core.audit.domain import ChainReport, Outcome, chain_key
from kuzet.core.db import make_engine, make_session_factory
from kuzet.core.events import EventBus
from kuzet.core.uow import UnitOfWork

OPERATOR = Actor.system("cli")


def _unit_of_work(database_url: str, secret_key: str) -> tuple[UnitOfWork, Any]:
    engine = make_engine(database_url)
    return UnitOfWork(make_session_factory(engine), EventBus(), audit_key=chain_key(secret_key)), engine


def record(database_url: str, secret_key: str, action: str, *, ok: bool, detail: Mapping[str, Any]) -> None:
    """Append one audit row (`backup.create`, `backup.restore`, `backup.drill`) and commit it."""
    uow, engine = _unit_of_work(database_url, secret_key)
    try:
        with uow:
            uow.audit(
                OPERATOR,
                action,
                object_type="backup",
                object_id=str(detail.get("backup", "")) or None,
                outcome=Outcome.OK if ok else Outcome.FAILED,
                detail=detail,
            )
            uow.commit()
    finally:
        engine.dispose()


def verify(database_url: str, secret_key: str, checkpoints: Path) -> ChainReport:
    """`kuzet audit verify` on a database, held against the checkpoint file at `checkpoints`."""
    uow, engine = _unit_of_work(database_url, secret_key)
    try:
        return audit_service.verify(uow, checkpoints=CheckpointLog(checkpoints, checkpoint_key(secret_key)))
    finally:
        engine.dispose()


def describe(report: ChainReport) -> str:
    if report.broken_seq is not None:
        return f"audit chain broken at row {report.broken_seq}: {report.reason}"
    held = report.checkpoints
    if held is not None and held.missing_tail is not None:
        return f"audit log cut: {held.missing_tail.message}"
    if held is not None and held.problems:
        return "; ".join(f"checkpoint {p.kind}: {p.reason}" for p in held.problems)
    against = f", agrees with {held.checked} checkpoint(s)" if held is not None and held.checked else ""
    return f"audit chain intact: {report.checked} rows{against}"
