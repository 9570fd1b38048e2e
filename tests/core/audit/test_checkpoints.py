"""Unit tests of the audit checkpoints (pure): signing, reading back, and holding a chain against them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kuzet.core.audit.checkpoints import (
    CHECKPOINT_MESSAGE,
    Checkpoint,
    CheckpointReport,
    Due,
    ProblemKind,
    Readings,
    check_against_chain,
    checkpoint_key,
    due,
    latest_authentic,
    make_checkpoint,
    parse_lines,
    rows_to_look_up,
)
from kuzet.core.audit.domain import chain_key

KEY = checkpoint_key("test-secret")
AT = datetime(2026, 11, 28, 2, 0, 0, 123456, tzinfo=UTC)


def row_hash(seq: int) -> str:
    return f"{seq:064x}"


def checkpoint(seq: int, minutes: int = 0) -> Checkpoint:
    return make_checkpoint(seq, row_hash(seq), at=AT + timedelta(minutes=minutes), key=KEY)


def read(*cps: Checkpoint) -> Readings:
    return parse_lines(cp.line() for cp in cps)


def held(readings: Readings, head_seq: int, stored: dict[int, str] | None = None) -> CheckpointReport:
    if stored is None:
        stored = {seq: row_hash(seq) for seq in rows_to_look_up(readings, head_seq=head_seq)}
    return check_against_chain(readings, source="cp.jsonl", key=KEY, head_seq=head_seq, stored_hashes=stored)


def test_the_checkpoint_key_is_not_the_chain_key() -> None:
    assert checkpoint_key("s") != chain_key("s")
    assert checkpoint_key("s") != checkpoint_key("t")


def test_a_checkpoint_reads_back_as_written_and_is_authentic() -> None:
    written = checkpoint(42)
    [reading] = parse_lines([written.line() + "\n"]).checkpoints
    assert reading.checkpoint == written and reading.line == 1
    assert reading.checkpoint.authentic(KEY)
    assert "\n" not in written.line()


@pytest.mark.parametrize(
    ("field", "value"),
    [("seq", 43), ("hash", row_hash(7)), ("at", "2026-11-28T02:00:01.123456+00:00")],
)
def test_an_edited_field_breaks_the_mac(field: str, value: object) -> None:
    fields = {**checkpoint(42).fields(), field: value}
    [reading] = parse_lines([json.dumps(fields)]).checkpoints
    assert not reading.checkpoint.authentic(KEY)


def test_a_checkpoint_signed_with_another_key_is_not_authentic() -> None:
    forged = make_checkpoint(42, row_hash(42), at=AT, key=checkpoint_key("a-guess"))
    assert not forged.authentic(KEY)


def test_a_log_record_holding_a_checkpoint_reads_like_a_file_line() -> None:
    cp = checkpoint(9)
    record = {"time": "x", "logger": "kuzet.audit", "message": CHECKPOINT_MESSAGE, "checkpoint": cp.fields()}
    other = {"time": "x", "logger": "uvicorn.access", "message": "GET /healthz 200"}
    lines = [json.dumps(other), "", "Nov 28 host kuzet[12]: " + json.dumps(record)]
    readings = parse_lines(lines)
    assert [r.checkpoint for r in readings.checkpoints] == [cp]
    assert readings.checkpoints[0].line == 3 and not readings.unreadable


@pytest.mark.parametrize(
    "line",
    [
        "not json at all",
        '{"seq": 5, "hash": "zz", "at": "2026-11-28T02:00:00+00:00", "mac": "00"}',
        json.dumps({"message": CHECKPOINT_MESSAGE, "seq": 5}),
        json.dumps({**checkpoint(5).fields(), "at": "2026-11-28T02:00:00"}),
        json.dumps({**checkpoint(5).fields(), "seq": True}),
        json.dumps({**checkpoint(5).fields(), "seq": 0}),
        "[1, 2]",
    ],
)
def test_a_broken_checkpoint_line_is_reported_with_its_number(line: str) -> None:
    readings = parse_lines([checkpoint(4).line(), line])
    [problem] = readings.unreadable
    assert (problem.kind, problem.line) == (ProblemKind.UNREADABLE, 2)


def test_an_intact_chain_agrees_with_its_checkpoints() -> None:
    report = held(read(checkpoint(10), checkpoint(20, 1), checkpoint(30, 2)), head_seq=35)
    assert report.ok and report.checked == 3 and report.warnings == ()
    assert report.latest is not None and report.latest.seq == 30


def test_a_head_behind_the_latest_checkpoint_is_a_missing_tail() -> None:
    report = held(read(checkpoint(10), checkpoint(100, 1)), head_seq=50)
    assert not report.ok
    assert report.missing_tail is not None
    assert (report.missing_tail.first_seq, report.missing_tail.last_seq) == (51, 100)
    assert (
        "rows 51..100 are missing: the log was cut after its last checkpoint" in report.missing_tail.message
    )
    assert report.problems == ()  # the checkpoint of row 100 is reported once, as the tail


def test_an_emptied_log_misses_everything_up_to_the_latest_checkpoint() -> None:
    report = held(read(checkpoint(7)), head_seq=0)
    assert report.missing_tail is not None
    assert (report.missing_tail.first_seq, report.missing_tail.last_seq) == (1, 7)


def test_a_forged_checkpoint_is_reported_and_does_not_count() -> None:
    forged = make_checkpoint(500, row_hash(500), at=AT, key=checkpoint_key("a-guess"))
    report = held(read(checkpoint(10), forged), head_seq=20)
    [problem] = report.problems
    assert (problem.kind, problem.line, problem.seq) == (ProblemKind.FORGED, 2, 500)
    assert report.missing_tail is None  # a forged checkpoint cannot claim a tail
    assert report.checked == 1 and not report.ok


def test_a_row_rewritten_under_a_checkpoint_is_reported() -> None:
    readings = read(checkpoint(10), checkpoint(20, 1))
    report = held(readings, head_seq=25, stored={10: row_hash(10), 20: row_hash(21)})
    [problem] = report.problems
    assert (problem.kind, problem.seq) == (ProblemKind.MISMATCH, 20)


def test_a_row_gone_under_a_checkpoint_is_reported() -> None:
    report = held(read(checkpoint(10), checkpoint(20, 1)), head_seq=25, stored={20: row_hash(20)})
    [problem] = report.problems
    assert (problem.kind, problem.seq) == (ProblemKind.MISSING_ROW, 10)


def test_no_checkpoint_file_is_a_warning_not_a_failure() -> None:
    report = check_against_chain(Readings((), ()), source="cp.jsonl", key=KEY, head_seq=3, stored_hashes={})
    assert report.ok and report.warnings


def test_only_the_rows_up_to_the_head_are_looked_up() -> None:
    assert rows_to_look_up(read(checkpoint(10), checkpoint(20)), head_seq=15) == {10}


def test_a_checkpoint_is_due_only_when_the_head_moved_on() -> None:
    latest = checkpoint(10)
    assert due(0, row_hash(0), None) is Due.UNCHANGED
    assert due(3, row_hash(3), None) is Due.WRITE
    assert due(10, row_hash(10), latest) is Due.UNCHANGED
    assert due(11, row_hash(11), latest) is Due.WRITE
    assert due(9, row_hash(9), latest) is Due.BEHIND
    assert due(10, row_hash(11), latest) is Due.BEHIND


def test_the_latest_checkpoint_is_the_highest_authentic_row() -> None:
    forged = make_checkpoint(99, row_hash(99), at=AT, key=checkpoint_key("a-guess"))
    readings = read(checkpoint(30), checkpoint(20), forged)
    latest = latest_authentic(readings.checkpoints, KEY)
    assert latest is not None and latest.seq == 30
