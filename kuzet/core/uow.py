"""Unit of work: one transaction per use case, its audit rows inside it, its events published after commit.

Audit rows are collected during the use case and appended to the chain just before the commit, so the
chain head is always the last lock a transaction takes: every use case locks its own rows first, in its
own order, and two transactions never wait on each other through the audit head."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from kuzet.core.actor import Actor
from kuzet.core.audit.domain import AuditRecord, Outcome
from kuzet.core.audit.store import AuditRepository
from kuzet.core.clock import Clock, SystemClock
from kuzet.core.errors import KuzetError
from kuzet.core.events import DomainEvent, EventBus

R = TypeVar("R")
log = logging.getLogger(__name__)


class UnitOfWork:
    """Use as `with uow: ...; uow.commit()`. Leaving the block without commit rolls everything back."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        bus: EventBus,
        clock: Clock | None = None,
        *,
        audit_key: bytes,
    ) -> None:
        self._session_factory = session_factory
        self._audit_key = audit_key
        self.bus = bus
        self.clock: Clock = clock or SystemClock()
        self._session: Session | None = None
        self._events: list[DomainEvent] = []
        self._audit: list[AuditRecord] = []
        self._repos: dict[type[Any], Any] = {}
        self._after_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `with uow:`")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        self._session = self._session_factory()
        self._events = []
        self._audit = []
        self._repos = {}
        self._after_commit = []
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self.session
        try:
            session.rollback()  # a no-op after commit
        finally:
            session.close()
            self._session = None
            self._events = []
            self._audit = []
            self._repos = {}
            self._after_commit = []

    def repo(self, factory: Callable[[Session], R]) -> R:
        """The repository of a feature, bound to this transaction (one instance per transaction)."""
        key = factory if isinstance(factory, type) else type(factory)
        if key not in self._repos:
            self._repos[key] = factory(self.session)
        return self._repos[key]  # type: ignore[no-any-return]

    @property
    def audit_log(self) -> AuditRepository:
        repo = self._repos.get(AuditRepository)
        if repo is None:
            repo = self._repos[AuditRepository] = AuditRepository(self.session, self._audit_key)
        return repo

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: if the block raises, its writes, audit rows and events are undone alone."""
        events, audit = len(self._events), len(self._audit)
        nested = self.session.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                nested.rollback()
            del self._events[events:]
            del self._audit[audit:]
            raise
        nested.commit()

    def emit(self, event: DomainEvent) -> None:
        self._events.append(event)

    def call_after_commit(self, callback: Callable[[], None]) -> None:
        """Call this once the transaction has committed (once, however often it is asked for)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def audit(
        self,
        actor: Actor,
        action: str,
        *,
        object_type: str | None = None,
        object_id: str | int | None = None,
        outcome: Outcome = Outcome.OK,
        detail: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append an audit row in this transaction. If it cannot be written, the whole change fails."""
        moment = at or self.clock.now()
        if moment.tzinfo is None:
            raise ValueError("naive datetime refused: audit times are UTC with their timezone")
        record = AuditRecord(
            at=moment.astimezone(UTC),
            actor=actor.name,
            role=actor.role,
            source=actor.source,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            outcome=outcome,
            detail=json.loads(json.dumps(dict(detail or {}), default=str)),
        )
        self._audit.append(record)

    def refuse(
        self,
        actor: Actor,
        action: str,
        error: KuzetError,
        *,
        object_type: str | None = None,
        object_id: str | int | None = None,
        reason: str,
    ) -> KuzetError:
        """Write and commit an audit row for a refused action; return the error for the caller to raise.

        Whatever else the transaction held is rolled back first: a refusal changes nothing but the log.
        """
        self.session.rollback()
        self._events = []
        self._audit = []
        self._after_commit = []
        self.audit(
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            outcome=Outcome.DENIED,
            detail={"reason": reason},
        )
        self.commit()
        return error

    def commit(self) -> None:
        """Run the in-transaction handlers, then the commit handlers with every event at once, append the
        collected audit rows, then commit.

        If a handler or an audit row fails, the whole change fails.
        """
        handled = 0
        while handled < len(self._events):  # a handler may emit further events
            event = self._events[handled]
            for handler in self.bus.in_transaction_handlers(event):
                handler(self, event)
            handled += 1
        if self._events:
            for at_commit in self.bus.commit_handlers():
                at_commit(self, self._events)
        records, self._audit = self._audit, []
        if records:
            self.audit_log.append_all(records)
        self.session.commit()
        events, self._events = self._events, []
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # the change is committed; a failing callback must not look like a failure
                log.exception("after-commit callback failed")
        for event in events:
            self.bus.publish(event)

    def rollback(self) -> None:
        self.session.rollback()
        self._events = []
        self._audit = []
        self._after_commit = []
