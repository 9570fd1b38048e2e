"""Unit tests of the audit hash chain (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kuzet.core.audit.domain import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    Outcome,
    chain_hash,
    chain_key,
    place,
    verify_chain,
)

KEY = chain_key("test-secret")
T0 = datetime(2026, 11, 28, 2, 0, 0, 123456, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    seq, last = 0, GENESIS_HASH
    for i in range(n):
        record = AuditRecord(
            T0 + timedelta(seconds=i),
            "disp1",
            "dispatcher",
            "10.0.0.5",
            "user.create",
            "user",
            str(i),
            Outcome.OK,
            {"n": i},
        )
        entry = place(record, after_seq=seq, after_hash=last, key=KEY)
        entries.append(entry)
        seq, last = entry.seq, entry.hash
    return entries


def verify(entries: list[AuditEntry], head: AuditEntry | None = None) -> tuple[bool, int | None]:
    head = head or entries[-1]
    report = verify_chain(entries, head_seq=head.seq, head_hash=head.hash, key=KEY)
    return report.ok, report.broken_seq


def test_intact_chain_verifies() -> None:
    assert verify(chain(5)) == (True, None)


def test_each_hash_covers_the_previous_hash() -> None:
    entries = chain(3)
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_edited_content_names_that_row() -> None:
    entries = chain(5)
    edited = replace(entries[2], record=replace(entries[2].record, outcome=Outcome.DENIED))
    assert verify([*entries[:2], edited, *entries[3:]]) == (False, 3)


def test_microseconds_of_the_time_are_covered() -> None:
    entries = chain(3)
    moved = replace(
        entries[1], record=replace(entries[1].record, at=entries[1].record.at + timedelta(microseconds=1))
    )
    assert verify([entries[0], moved, entries[2]]) == (False, 2)


def test_deleted_row_is_named_as_missing() -> None:
    entries = chain(5)
    assert verify([*entries[:3], *entries[4:]]) == (False, 4)


def test_deleted_tail_is_caught_by_the_head() -> None:
    entries = chain(5)
    assert verify(entries[:4], head=entries[4]) == (False, 5)


def test_rehashed_row_still_breaks_the_next_link() -> None:
    entries = chain(4)
    forged = place(
        replace(entries[1].record, actor="someone-else"), after_seq=1, after_hash=entries[0].hash, key=KEY
    )
    assert verify([entries[0], forged, *entries[2:]]) == (False, 3)


def test_rows_after_the_head_are_left_for_the_next_check() -> None:
    entries = chain(5)
    assert verify(entries, head=entries[2]) == (True, None)


def test_a_forger_without_the_key_cannot_rebuild_the_chain() -> None:
    entries = chain(3)
    stolen_key = chain_key("a-guess")
    forged_record = replace(entries[1].record, outcome=Outcome.DENIED)
    forged = place(forged_record, after_seq=1, after_hash=entries[0].hash, key=stolen_key)
    rest = place(entries[2].record, after_seq=2, after_hash=forged.hash, key=stolen_key)
    report = verify_chain([entries[0], forged, rest], head_seq=3, head_hash=rest.hash, key=KEY)
    assert (report.ok, report.broken_seq) == (False, 2)


def test_the_hash_depends_on_the_key() -> None:
    record = chain(1)[0].record
    assert chain_hash(1, GENESIS_HASH, record, KEY) != chain_hash(1, GENESIS_HASH, record, chain_key("other"))
