"""Group commit: queued steps share one transaction and one commit, and each one's failure stays its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.errors import Conflict
from kuzet.core.events import DomainEvent
from kuzet.core.group_commit import GroupCommitter
from kuzet.core.numbering import counters, next_number
from kuzet.core.uow import UnitOfWork

SERIES = "TST"


@dataclass(frozen=True)
class Numbered(DomainEvent):
    name = "test.numbered"
    number: int
    poison: bool = False


@pytest.fixture
def committer(services: Services) -> Iterator[GroupCommitter]:
    group = GroupCommitter(services.uow, max_batch=16, name="test")
    yield group
    group.close()


def numbered(
    fail: bool = False,
    poison: bool = False,
    gate: threading.Event | None = None,
    seen: list[int] | None = None,
) -> Callable[[UnitOfWork], int]:
    """A step that takes the next gapless number, audits and announces it. `fail` makes it raise after;
    `poison` marks its event for a handler that refuses it at commit."""

    def step(uow: UnitOfWork) -> int:
        if gate is not None:
            gate.wait(10)
        if seen is not None:
            seen.append(id(uow))
        number = next_number(uow.session, SERIES, 2026)
        uow.audit(Actor.system("test"), "test.numbered", detail={"number": number})
        uow.emit(Numbered(number, poison))
        if fail:
            raise ValueError("this step fails after writing")
        return number

    return step


def audit_rows(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_log)).scalar_one())


def last_number(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(
            connection.execute(select(counters.c.last).where(counters.c.series == SERIES)).scalar_one()
        )


def queue_behind_a_held_step(
    committer: GroupCommitter, steps: list[Callable[[UnitOfWork], int]]
) -> list[Future[int]]:
    """Hold the writer in a first step so that the others queue up and are taken as one batch."""
    gate = threading.Event()
    first = committer.submit(numbered(gate=gate))
    queued = [committer.submit(step) for step in steps]
    gate.set()
    return [first, *queued]


def test_queued_steps_share_one_transaction_and_a_failing_one_is_undone_alone(
    services: Services, committer: GroupCommitter
) -> None:
    published: list[int] = []
    services.bus.subscribe(Numbered, lambda event: published.append(event.number))
    seen: list[int] = []
    futures = queue_behind_a_held_step(
        committer,
        [numbered(seen=seen), numbered(fail=True, seen=seen), numbered(seen=seen), numbered(seen=seen)],
    )
    assert [f.result(10) for f in (futures[0], futures[1], futures[3], futures[4])] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="fails after writing"):
        futures[2].result(10)
    assert len(set(seen)) == 1  # the four queued steps ran in one unit of work
    # The failed step's number went back to the counter, and its audit row and event are gone.
    assert last_number(services) == 4
    assert audit_rows(services) == 4
    assert sorted(published) == [1, 2, 3, 4]


def test_a_caller_hears_back_only_after_the_commit(services: Services, committer: GroupCommitter) -> None:
    told: list[tuple[int, int]] = []  # (the caller's number, the last number another connection sees)
    gate = threading.Event()
    futures = [committer.submit(numbered(gate=gate))] + [committer.submit(numbered()) for _ in range(3)]
    for future in futures:
        future.add_done_callback(lambda f: told.append((f.result(), last_number(services))))
    gate.set()
    for future in futures:
        future.result(10)
    deadline = time.monotonic() + 5
    while len(told) < len(futures) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(n for n, _ in told) == [1, 2, 3, 4]
    assert all(committed >= number for number, committed in told)


def test_if_the_commit_fails_every_step_is_run_again_alone(
    services: Services, committer: GroupCommitter
) -> None:
    def refuse_poison(uow: UnitOfWork, event: DomainEvent) -> None:
        if event.poison:
            raise RuntimeError("an in-transaction handler refuses")

    services.bus.subscribe_in_transaction(Numbered, refuse_poison)
    futures = queue_behind_a_held_step(committer, [numbered(), numbered(poison=True), numbered()])
    outcomes: list[int | None] = []
    for future in futures:
        try:
            outcomes.append(future.result(10))
        except RuntimeError:
            outcomes.append(None)
    # The batch of three failed at commit; run alone, the two good steps pass and the numbers stay gapless.
    assert outcomes == [1, 2, None, 3]
    assert last_number(services) == 3
    assert audit_rows(services) == 3


def test_a_step_that_loses_a_race_on_a_unique_key_is_run_again(
    services: Services, committer: GroupCommitter
) -> None:
    tries: list[int] = []

    def insert_once(uow: UnitOfWork) -> str:
        tries.append(1)
        found = uow.session.execute(select(counters.c.last).where(counters.c.series == "RACE")).scalar()
        if found is not None:
            return "found the winner's row"
        uow.session.execute(insert(counters).values(series="RACE", year=2026, last=1))
        if len(tries) == 1:  # as if a concurrent request had written the same key meanwhile
            uow.session.execute(insert(counters).values(series="RACE", year=2026, last=1))
        return "inserted"

    assert committer.submit(insert_once).result(10) == "inserted"
    assert len(tries) == 2

    def always_clashes(uow: UnitOfWork) -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    with pytest.raises(Conflict):
        committer.submit(always_clashes).result(10)


def test_closing_finishes_what_is_queued(services: Services) -> None:
    group = GroupCommitter(services.uow, name="closing")
    futures = [group.submit(numbered()) for _ in range(5)]
    group.close()
    assert sorted(f.result(0) for f in futures) == [1, 2, 3, 4, 5]
    with pytest.raises(RuntimeError, match="closed"):
        group.submit(numbered())


def test_a_step_that_isolates_its_own_parts_and_fails_is_run_again_alone(
    services: Services, committer: GroupCommitter
) -> None:
    """A step submitted with isolated=False has no savepoint of its own: if it raises, nothing of its batch
    commits with its half-done writes; the batch is run again step by step, and only it fails."""
    gate = threading.Event()
    first = committer.submit(numbered(gate=gate))
    good = committer.submit(numbered(), isolated=False)
    bad = committer.submit(numbered(fail=True), isolated=False)
    last = committer.submit(numbered())
    gate.set()
    assert [first.result(10), good.result(10), last.result(10)] == [1, 2, 3]
    with pytest.raises(ValueError, match="fails after writing"):
        bad.result(10)
    assert last_number(services) == 3
    assert audit_rows(services) == 3
