"""The unit of work: one transaction per use case; events are published only after commit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.events import DomainEvent


@dataclass(frozen=True)
class Pinged(DomainEvent):
    name = "test.pinged"
    n: int


def audit_count(services: Services) -> int:
    with services.engine.connect() as connection:
        return len(connection.execute(select(audit_log)).all())


def test_events_are_published_after_commit(services: Services) -> None:
    seen: list[tuple[int, int]] = []
    services.bus.subscribe(Pinged, lambda event: seen.append((event.n, audit_count(services))))
    with services.uow() as uow:
        uow.audit(Actor.system("test"), "test.ping")
        uow.emit(Pinged(1))
        assert seen == []
        uow.commit()
    # The listener ran after commit, so it could already read the committed row.
    assert seen == [(1, 1)]


def test_leaving_without_commit_rolls_back_and_drops_events(services: Services) -> None:
    seen: list[DomainEvent] = []
    services.bus.subscribe(Pinged, seen.append)
    with services.uow() as uow:
        uow.audit(Actor.system("test"), "test.ping")
        uow.emit(Pinged(2))
    assert seen == []
    assert audit_count(services) == 0


def test_an_exception_rolls_back(services: Services) -> None:
    with pytest.raises(RuntimeError), services.uow() as uow:
        uow.audit(Actor.system("test"), "test.ping")
        raise RuntimeError("boom")
    assert audit_count(services) == 0


def test_a_failing_listener_does_not_undo_the_change(services: Services) -> None:
    def broken(_event: DomainEvent) -> None:
        raise ValueError("listener bug")

    later: list[DomainEvent] = []
    services.bus.subscribe(Pinged, broken)
    services.bus.subscribe(Pinged, later.append)
    with services.uow() as uow:
        uow.audit(Actor.system("test"), "test.ping")
        uow.emit(Pinged(3))
        uow.commit()
    assert audit_count(services) == 1
    assert later == [Pinged(3)]


def test_a_unit_of_work_cannot_be_opened_twice(services: Services) -> None:
    uow = services.uow()
    with uow, pytest.raises(RuntimeError), uow:
        pass
