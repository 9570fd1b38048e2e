"""Checkpoints of the audit chain, kept outside the database, so that a cut tail cannot pass as intact.

The chain alone proves that no row in the middle was edited or removed, but someone with write access to
the database can delete the newest rows and move the stored head back: what remains is a valid, shorter
chain. A checkpoint is the head's sequence number and hash at a moment, with that moment, signed with an HMAC
under a key of its own (derived from the server secret with another label than the chain key). Checkpoints
go to an append-only file and to the log, out of the database administrator's reach. Verification then
demands that every checkpoint is authentic, that the row it names is still there with the same hash, and
that the head has not fallen behind the newest checkpoint.

Pure: no files, no clock, no database. A checkpoint reads as one JSON object, either on its own line of the
checkpoint file or as the `checkpoint` field of a log record."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

CHECKPOINT_LOGGER: Final = "kuzet.audit"
CHECKPOINT_MESSAGE: Final = "audit checkpoint"
_MAC_LABEL: Final = "kuzet-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def checkpoint_key(secret_key: str) -> bytes:
    """The checkpoint key: an HMAC of a label under the server secret (the chain key hashes another label)."""
    return hmac.new(secret_key.encode(), b"kuzet:audit-checkpoint", hashlib.sha256).digest()


def _moment(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("a checkpoint's time must carry its UTC offset")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def checkpoint_mac(seq: int, head_hash: str, at: datetime, key: bytes) -> str:
    payload = f"{_MAC_LABEL}\n{seq}\n{head_hash}\n{_moment(at)}".encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head (row `seq`, whose hash is `hash`) as seen at `at`, vouched for by `mac`."""

    seq: int
    hash: str
    at: datetime
    mac: str

    def fields(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": _moment(self.at), "mac": self.mac}

    def line(self) -> str:
        """The checkpoint as one line of the file (without the newline)."""
        return json.dumps(self.fields(), separators=(",", ":"))

    def authentic(self, key: bytes) -> bool:
        return hmac.compare_digest(checkpoint_mac(self.seq, self.hash, self.at, key), self.mac)


def make_checkpoint(seq: int, head_hash: str, *, at: datetime, key: bytes) -> Checkpoint:
    return Checkpoint(seq, head_hash, at.astimezone(UTC), checkpoint_mac(seq, head_hash, at, key))


class Due(StrEnum):
    WRITE = "write"  # the head moved on since the newest checkpoint
    UNCHANGED = "unchanged"  # nothing new to vouch for
    BEHIND = "behind"  # the head is behind the newest checkpoint: the log was cut; do not paper over it


def due(head_seq: int, head_hash: str, latest: Checkpoint | None) -> Due:
    """Whether a new checkpoint is due for this head, given the newest one already written."""
    if latest is None:
        return Due.WRITE if head_seq > 0 else Due.UNCHANGED
    if head_seq < latest.seq or (head_seq == latest.seq and head_hash != latest.hash):
        return Due.BEHIND
    return Due.WRITE if head_seq > latest.seq else Due.UNCHANGED


class ProblemKind(StrEnum):
    UNREADABLE = "unreadable"  # a line that should be a checkpoint but cannot be read as one
    FORGED = "forged"  # the MAC does not match: written without the key, or edited afterwards
    MISSING_ROW = "missing_row"  # the row a checkpoint names is gone
    MISMATCH = "mismatch"  # the row a checkpoint names has another hash now: the chain was rebuilt


@dataclass(frozen=True)
class CheckpointProblem:
    kind: ProblemKind
    line: int
    seq: int | None
    reason: str


@dataclass(frozen=True)
class Reading:
    """One checkpoint read back, with the number of the line it was on."""

    line: int
    checkpoint: Checkpoint


@dataclass(frozen=True)
class Readings:
    checkpoints: tuple[Reading, ...]
    unreadable: tuple[CheckpointProblem, ...]


def _fields_of(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The checkpoint inside a JSON object: the object itself (a file line) or its `checkpoint` field
    (a log record); None for an object that is no checkpoint (another log record)."""
    nested = entry.get("checkpoint")
    if isinstance(nested, Mapping):
        return nested
    if "mac" in entry:
        return entry
    if entry.get("message") == CHECKPOINT_MESSAGE:
        return entry  # a checkpoint record that lost its checkpoint: reported as unreadable
    return None


def _checkpoint_of(fields: Mapping[str, Any]) -> Checkpoint:
    seq, head_hash, at, mac = (fields.get(name) for name in ("seq", "hash", "at", "mac"))
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError("its seq is not a positive whole number")
    if not isinstance(head_hash, str) or not _HEX64.fullmatch(head_hash):
        raise ValueError("its hash is not 64 hexadecimal digits")
    if not isinstance(mac, str) or not _HEX64.fullmatch(mac):
        raise ValueError("its mac is not 64 hexadecimal digits")
    if not isinstance(at, str):
        raise ValueError("its time is missing")
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        raise ValueError("its time has no UTC offset")
    return Checkpoint(seq, head_hash, moment.astimezone(UTC), mac)


def _object_in(text: str) -> Any:
    """A JSON object on the line, also after a prefix a log shipper may have put before it."""
    try:
        return json.loads(text)
    except ValueError:
        start = text.find("{")
        if start <= 0:
            raise
        return json.loads(text[start:])


def parse_lines(lines: Iterable[str], *, first_line: int = 1) -> Readings:
    """The checkpoints among the lines of the file or of a log collector's export, in order.

    Blank lines and log records of other kinds are passed over; a line that ought to hold a checkpoint and
    cannot be read as one is reported, since an edit can leave a line broken."""
    found: list[Reading] = []
    unreadable: list[CheckpointProblem] = []
    for number, raw in enumerate(lines, start=first_line):
        text = raw.strip()
        if not text:
            continue
        try:
            entry = _object_in(text)
            fields = _fields_of(entry) if isinstance(entry, dict) else None
            if fields is None and not isinstance(entry, dict):
                raise ValueError("it is not a JSON object")
            if fields is None:
                continue
            found.append(Reading(number, _checkpoint_of(fields)))
        except ValueError as exc:
            reason = f"line {number} is not a readable checkpoint: {exc}"
            unreadable.append(CheckpointProblem(ProblemKind.UNREADABLE, number, None, reason))
    return Readings(tuple(found), tuple(unreadable))


def latest_authentic(readings: Iterable[Reading], key: bytes) -> Checkpoint | None:
    """The authentic checkpoint of the highest row, if any."""
    best: Checkpoint | None = None
    for reading in readings:
        cp = reading.checkpoint
        if cp.authentic(key) and (best is None or cp.seq > best.seq):
            best = cp
    return best


@dataclass(frozen=True)
class MissingTail:
    """Rows `first_seq`..`last_seq` were vouched for by a checkpoint and are no longer in the chain."""

    first_seq: int
    last_seq: int
    checkpoint_at: datetime

    @property
    def message(self) -> str:
        span = (
            f"row {self.first_seq} is"
            if self.first_seq == self.last_seq
            else (f"rows {self.first_seq}..{self.last_seq} are")
        )
        return (
            f"{span} missing: the log was cut after its last checkpoint "
            f"(row {self.last_seq}, taken {_moment(self.checkpoint_at)})"
        )


@dataclass(frozen=True)
class CheckpointReport:
    """The chain held against the checkpoints of one source (the checkpoint file, or an auditor's copy)."""

    source: str
    found: bool  # the source exists
    checked: int = 0  # authentic checkpoints compared with the chain
    latest: Checkpoint | None = None
    missing_tail: MissingTail | None = None
    problems: tuple[CheckpointProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.missing_tail is None and not self.problems

    @property
    def warnings(self) -> tuple[str, ...]:
        if not self.found:
            return (
                f"no checkpoint file at {self.source} yet: a cut tail of the log cannot be detected "
                "until a checkpoint is written",
            )
        if self.checked == 0 and not self.problems:
            return (f"{self.source} holds no checkpoint yet: a cut tail of the log cannot be detected",)
        return ()


def rows_to_look_up(readings: Readings, *, head_seq: int) -> set[int]:
    """The rows whose stored hash the comparison needs: those the checkpoints name, up to the head."""
    return {r.checkpoint.seq for r in readings.checkpoints if r.checkpoint.seq <= head_seq}


def check_against_chain(
    readings: Readings, *, source: str, key: bytes, head_seq: int, stored_hashes: Mapping[int, str]
) -> CheckpointReport:
    """Hold the chain (its head, and the stored hash of each row a checkpoint names) against the checkpoints.

    Every checkpoint must carry the right MAC; the row it names must be stored with the hash it names, and
    the head must be at or past the newest authentic checkpoint. A head behind it is a cut tail: the rows
    from the head to that checkpoint are reported missing (rows written after it cannot be accounted for)."""
    problems = list(readings.unreadable)
    authentic: list[Reading] = []
    for reading in readings.checkpoints:
        cp = reading.checkpoint
        if cp.authentic(key):
            authentic.append(reading)
        else:
            reason = f"the checkpoint on line {reading.line} (row {cp.seq}) has a wrong MAC: forged or edited"
            problems.append(CheckpointProblem(ProblemKind.FORGED, reading.line, cp.seq, reason))
    latest = latest_authentic(authentic, key)
    for reading in authentic:
        cp = reading.checkpoint
        if cp.seq > head_seq:
            continue  # part of the missing tail, reported once below
        stored = stored_hashes.get(cp.seq)
        if stored is None:
            reason = f"row {cp.seq}, vouched for by the checkpoint on line {reading.line}, is missing"
            problems.append(CheckpointProblem(ProblemKind.MISSING_ROW, reading.line, cp.seq, reason))
        elif not hmac.compare_digest(stored, cp.hash):
            reason = (
                f"row {cp.seq} does not have the hash its checkpoint on line {reading.line} names: "
                "the chain was rebuilt"
            )
            problems.append(CheckpointProblem(ProblemKind.MISMATCH, reading.line, cp.seq, reason))
    tail = None
    if latest is not None and head_seq < latest.seq:
        tail = MissingTail(head_seq + 1, latest.seq, latest.at)
    problems.sort(key=lambda p: p.line)
    return CheckpointReport(source, True, len(authentic), latest, tail, tuple(problems))
