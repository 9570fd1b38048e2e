"""Domain events: collected by the unit of work and published only after its commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event. `name` is the stable wire name, e.g. "user.locked"."""

    name: ClassVar[str] = "event"


Handler = Callable[[Any], None]
# Runs inside the committing transaction, with the unit of work: for changes that must commit with the event
# (an outbox message for a partner, say). If it fails, the whole change fails.
TransactionHandler = Callable[[Any, Any], None]
# Runs once per commit, inside it, with every event the transaction emitted: for work that is cheaper done
# once for many events (one multi-row insert, one notification). If it fails, the whole change fails.
CommitHandler = Callable[[Any, list[DomainEvent]], None]


class EventBus:
    """In-process fan-out. Cross-process delivery (LISTEN/NOTIFY, NATS) subscribes as one more handler."""

    def __init__(self) -> None:
        self._handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
        self._catch_all: list[Handler] = []
        self._in_transaction: dict[type[DomainEvent], list[TransactionHandler]] = defaultdict(list)
        self._at_commit: list[CommitHandler] = []

    def subscribe_in_transaction(self, event_type: type[DomainEvent], handler: TransactionHandler) -> None:
        self._in_transaction[event_type].append(handler)

    def in_transaction_handlers(self, event: DomainEvent) -> list[TransactionHandler]:
        return list(self._in_transaction.get(type(event), []))

    def subscribe_at_commit(self, handler: CommitHandler) -> None:
        self._at_commit.append(handler)

    def commit_handlers(self) -> list[CommitHandler]:
        return list(self._at_commit)

    def subscribe(self, event_type: type[DomainEvent] | None, handler: Handler) -> None:
        if event_type is None:
            self._catch_all.append(handler)
        else:
            self._handlers[event_type].append(handler)

    def publish(self, event: DomainEvent) -> None:
        for handler in [*self._handlers.get(type(event), []), *self._catch_all]:
            try:
                handler(event)
            except Exception:
                # The change is committed; a failing listener must not undo it or hide other listeners.
                log.exception("event handler failed", extra={"event": event.name})
