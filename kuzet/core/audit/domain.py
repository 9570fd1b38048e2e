"""The audit chain: each row's hash covers the previous row's hash and the row's own content.

The hash is an HMAC keyed from KUZET_SECRET_KEY, so someone who can write to the database but does not
hold the key cannot recompute the chain after an edit. Changing KUZET_SECRET_KEY therefore needs the log
to be verified and archived first."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kuzet.core.audit.checkpoints import CheckpointReport

GENESIS_HASH = "0" * 64


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditRecord:
    """What happened, before it is placed in the chain."""

    at: datetime
    actor: str
    role: str | None
    source: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: Outcome
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """A record placed in the chain: its sequence number and the two hashes."""

    seq: int
    record: AuditRecord
    prev_hash: str
    hash: str


def canonical_content(record: AuditRecord) -> str:
    """The exact text that is hashed. Time keeps its microseconds and its UTC offset."""
    content = {
        "at": record.at.isoformat(timespec="microseconds"),
        "actor": record.actor,
        "role": record.role,
        "source": record.source,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "outcome": str(record.outcome),
        "detail": dict(record.detail),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"kuzet:audit-chain:" + secret_key.encode()).digest()


def chain_hash(seq: int, prev_hash: str, record: AuditRecord, key: bytes) -> str:
    payload = f"{seq}\n{prev_hash}\n{canonical_content(record)}".encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def place(record: AuditRecord, *, after_seq: int, after_hash: str, key: bytes) -> AuditEntry:
    seq = after_seq + 1
    return AuditEntry(
        seq=seq, record=record, prev_hash=after_hash, hash=chain_hash(seq, after_hash, record, key)
    )


@dataclass(frozen=True)
class ChainReport:
    """The chain walked from the first row to the head, and held against the checkpoints if any were read."""

    checked: int
    broken_seq: int | None = None
    reason: str | None = None
    checkpoints: CheckpointReport | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and (self.checkpoints is None or self.checkpoints.ok)


def verify_chain(entries: Iterable[AuditEntry], *, head_seq: int, head_hash: str, key: bytes) -> ChainReport:
    """Walk the entries up to the head in sequence order and name the first one that does not fit.

    An edited row no longer matches its own hash; a deleted row leaves a gap in the sequence and breaks the
    next row's link; a deleted tail no longer reaches the head that is kept beside the chain. Rows appended
    after the head was read are not part of this check.
    """
    expected_seq, expected_prev = 1, GENESIS_HASH
    checked = 0
    for entry in entries:
        if entry.seq > head_seq:
            break
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"row {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "link to the previous row is broken")
        if not hmac.compare_digest(chain_hash(entry.seq, entry.prev_hash, entry.record, key), entry.hash):
            return ChainReport(checked, entry.seq, "content does not match its hash")
        checked += 1
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    if expected_seq - 1 != head_seq or expected_prev != head_hash:
        return ChainReport(
            checked, expected_seq, f"chain ends at row {expected_seq - 1}, head says {head_seq}"
        )
    return ChainReport(checked)
