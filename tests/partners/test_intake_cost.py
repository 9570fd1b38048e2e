"""What one partner appeal costs the database: the statements of the intake, counted on real requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from kuzet.container import Services
from tests.partners.fixtures import App

# The statements one appeal needs: nonce, rate window, idempotency read and record, two numbers, incident,
# appeal, two timeline rows, the partner's callback and the citizen's status, and a savepoint (two).
# The live feed, the audit chain, the key and the catalogue are written or read once per batch.
PER_APPEAL_BUDGET = 15
PER_BATCH_BUDGET = 10


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    """Every statement the services' engine sends while the block runs (SQLite's and PostgreSQL's alike)."""
    seen: list[str] = []
    lock = threading.Lock()

    def count(*args: Any) -> None:
        with lock:
            seen.append(str(args[2]))

    event.listen(services.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(services.engine, "before_cursor_execute", count)


def test_a_batch_of_appeals_costs_a_bounded_number_of_statements_each(kaspi: App, services: Services) -> None:
    appeals = 24
    kaspi.client.send_appeal(kaspi.appeal())  # the first request warms the district map and the catalogue
    with counted(services) as statements, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: kaspi.client.send_appeal(kaspi.appeal()), range(appeals)))
    assert {a.status_code for a in answers} == {201}
    batches = sum(1 for s in statements if _starts(s, "UPDATE audit_head"))  # one per transaction
    budget = appeals * PER_APPEAL_BUDGET + batches * PER_BATCH_BUDGET
    assert len(statements) <= budget, "\n".join(f"{n} {s}" for s, n in _most_common(statements))
    # The live feed is written once per transaction, not once per event.
    assert sum(1 for s in statements if _starts(s, "INSERT INTO live_events")) == batches


def _starts(statement: str, head: str) -> bool:
    return statement.lstrip().upper().startswith(head.upper())


def _most_common(statements: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for s in statements:
        head = " ".join(s.split())[:60]
        counts[head] = counts.get(head, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])[:40]
