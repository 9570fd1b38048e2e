"""The server checkpoints the audit head by itself, within its interval and only when the head moved; lines
appended by several processes at once never mix."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from kuzet.app import create_app
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoint_writer import CheckpointWriter, audit_checkpoint_writer
from kuzet.core.audit.checkpoints import checkpoint_key, parse_lines
from tests.conftest import running_server

PATIENCE = 30.0  # seconds; a busy two-core machine may be slow, a broken writer never gets there


def write_rows(services: Services, n: int) -> int:
    """Append n audit rows; return the new head."""
    with services.uow() as uow:
        for i in range(n):
            uow.audit(Actor.system("test"), "test.row", object_id=i)
        uow.commit()
    with services.uow() as uow:
        return uow.audit_log.head()[0]


def seqs(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [json.loads(line)["seq"] for line in path.read_text().splitlines()]


def wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "audit-checkpoints"]


def test_the_writer_checkpoints_within_its_interval_and_only_when_the_head_moved(services: Services) -> None:
    checkpoints = CheckpointLog.from_settings(services.settings)
    first_head = write_rows(services, 7)
    writer = CheckpointWriter(services.uow, checkpoints, services.clock, every_seconds=0.1)
    writer.start()
    try:
        assert wait_until(lambda: seqs(checkpoints.path) == [first_head])
        rounds = writer.rounds
        assert wait_until(lambda: writer.rounds >= rounds + 3)  # three rounds with a head that stood still
        assert seqs(checkpoints.path) == [first_head]
        second_head = write_rows(services, 3)
        assert wait_until(lambda: seqs(checkpoints.path) == [first_head, second_head])
    finally:
        writer.stop()
    assert not writer_threads()


def test_stopping_the_writer_checkpoints_the_rows_written_since_its_last_round(services: Services) -> None:
    checkpoints = CheckpointLog.from_settings(services.settings)
    writer = CheckpointWriter(services.uow, checkpoints, services.clock, every_seconds=3600)
    writer.start()
    assert wait_until(lambda: writer.rounds >= 1)
    assert seqs(checkpoints.path) == []  # nothing to vouch for in an empty log
    head = write_rows(services, 4)
    writer.stop()
    assert seqs(checkpoints.path) == [head]


def test_the_server_runs_the_writer_while_it_serves(services: Services, tmp_path: Path) -> None:
    """A second server on the same database, started as `kuzet serve` is, with a data folder of its own."""
    settings = services.settings.model_copy(
        update={
            "audit_checkpoint_seconds": 0.2,
            "outbox_relay": False,
            "analytics_refresh_seconds": 0,
            "data_dir": tmp_path,
        }
    )
    own = Services.build(settings)
    path = settings.audit_checkpoint_file
    assert path == tmp_path / "audit" / "checkpoints.jsonl"
    head = write_rows(services, 5)
    with running_server(create_app(settings, services=own), lifespan="on"):
        assert writer_threads()
        assert wait_until(lambda: seqs(path) == [head])
        later = write_rows(services, 2)
        assert wait_until(lambda: seqs(path) == [head, later])
    assert not writer_threads()  # stopped with the server


def test_a_zero_interval_turns_the_writer_off(services: Services) -> None:
    off = services.settings.model_copy(update={"audit_checkpoint_seconds": 0})
    assert audit_checkpoint_writer(replace(services, settings=off)) is None
    assert audit_checkpoint_writer(services) is not None


APPENDER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoints import checkpoint_key, make_checkpoint

log = CheckpointLog(Path(sys.argv[1]), checkpoint_key("shared-secret"))
worker = int(sys.argv[2])
for i in range(1, 151):
    seq = worker * 1000 + i
    with log.appending() as (_, append):
        append(make_checkpoint(seq, f"{seq:064x}", at=datetime.now(UTC), key=log.key).line())
"""


def test_lines_appended_by_several_processes_at_once_never_mix(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "checkpoints.jsonl"
    workers = [subprocess.Popen([sys.executable, "-c", APPENDER, str(path), str(w)]) for w in range(1, 5)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    readings = parse_lines(path.read_text().splitlines())
    assert readings.unreadable == ()
    assert len(readings.checkpoints) == 600
    assert all(r.checkpoint.authentic(checkpoint_key("shared-secret")) for r in readings.checkpoints)
    for w in range(1, 5):  # each writer's lines are all there, in its own order
        mine = [r.checkpoint.seq for r in readings.checkpoints if r.checkpoint.seq // 1000 == w]
        assert mine == [w * 1000 + i for i in range(1, 151)]
