"""A database administrator cuts the newest audit rows and moves the head back: the checkpoints kept outside
the database give it away, through the service, the command line and the API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit import service
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoints import CHECKPOINT_MESSAGE, Checkpoint, ProblemKind
from kuzet.core.auth.domain import Role
from tests.conftest import MakeUser, run_cli
from tests.core.auth.helpers import logged_in

CUT = 50


def write_rows(services: Services, n: int) -> None:
    with services.uow() as uow:
        for i in range(n):
            uow.audit(Actor.system("test"), "test.row", object_id=i)
        uow.commit()


def checkpoint_log(services: Services) -> CheckpointLog:
    return CheckpointLog.from_settings(services.settings)


def take_checkpoint(services: Services) -> Checkpoint:
    result = service.write_checkpoint(
        services.uow(), checkpoints=checkpoint_log(services), at=services.clock.now()
    )
    assert result.written is not None
    return result.written


def head(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(text("SELECT last_seq FROM audit_head WHERE id = 1")).scalar_one())


def cut_tail(services: Services, rows: int = CUT) -> int:
    """What an administrator with full access to the database, but without the secret key, would do: delete
    the newest rows and move the head back to the last row kept. Returns that row."""
    with services.engine.begin() as connection:
        last = connection.execute(text("SELECT last_seq FROM audit_head WHERE id = 1")).scalar_one()
        keep = int(last) - rows
        connection.execute(text("DELETE FROM audit_log WHERE seq > :keep"), {"keep": keep})
        kept_hash = connection.execute(
            text("SELECT hash FROM audit_log WHERE seq = :keep"), {"keep": keep}
        ).scalar_one()
        connection.execute(
            text("UPDATE audit_head SET last_seq = :keep, last_hash = :hash WHERE id = 1"),
            {"keep": keep, "hash": kept_hash},
        )
    return keep


@pytest.fixture
def cut_log(services: Services) -> tuple[int, int]:
    """120 rows, a checkpoint of the last, the newest 50 cut off. Returns (row kept last, checkpoint row)."""
    write_rows(services, 120)
    checkpoint = take_checkpoint(services)
    return cut_tail(services), checkpoint.seq


def test_the_service_reports_the_cut_tail_that_the_chain_alone_misses(
    services: Services, cut_log: tuple[int, int]
) -> None:
    kept, checkpoint_seq = cut_log
    report = service.verify(services.uow(), checkpoints=checkpoint_log(services))
    assert report.broken_seq is None  # the shortened chain is valid in itself
    assert not report.ok
    assert report.checkpoints is not None and report.checkpoints.missing_tail is not None
    tail = report.checkpoints.missing_tail
    assert (tail.first_seq, tail.last_seq) == (kept + 1, checkpoint_seq) == (71, 120)
    assert "rows 71..120 are missing: the log was cut after its last checkpoint" in tail.message


def test_the_cli_exits_1_and_names_the_missing_rows(services: Services, cut_log: tuple[int, int]) -> None:
    result = run_cli(services, "audit", "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "audit log CUT: rows 71..120 are missing: the log was cut after its last checkpoint" in result.stderr
    )
    assert "intact" not in result.stdout


def test_the_api_report_has_the_missing_tail(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    write_rows(services, 80)
    checkpoint = take_checkpoint(services)
    kept = cut_tail(services)
    report = http.get("/api/v1/audit/verify", headers=admin).json()
    assert report["ok"] is False
    assert report["broken_seq"] is None
    tail = report["missing_tail"]
    assert (tail["first_seq"], tail["last_seq"]) == (kept + 1, checkpoint.seq)
    assert "the log was cut after its last checkpoint" in tail["message"]
    assert report["latest_checkpoint_seq"] == checkpoint.seq


def test_an_intact_log_agrees_with_its_checkpoints(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    write_rows(services, 30)
    take_checkpoint(services)
    write_rows(services, 10)  # written after the checkpoint: fine
    checkpoint = take_checkpoint(services)
    report = service.verify(services.uow(), checkpoints=checkpoint_log(services))
    assert report.ok and report.checkpoints is not None and report.checkpoints.checked == 2
    result = run_cli(services, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert f"audit chain intact: {head(services)} rows; it agrees with 2 checkpoints" in result.stdout
    assert "warning" not in result.stderr
    body = http.get("/api/v1/audit/verify", headers=admin).json()
    assert body["ok"] is True and body["missing_tail"] is None and body["checkpoint_problems"] == []
    assert (body["checkpoints_checked"], body["latest_checkpoint_seq"]) == (2, checkpoint.seq)


def test_an_edited_checkpoint_line_is_reported(services: Services) -> None:
    write_rows(services, 20)
    take_checkpoint(services)
    write_rows(services, 20)
    take_checkpoint(services)
    path = checkpoint_log(services).path
    first, second = path.read_text().splitlines()
    edited = {**json.loads(second), "seq": 25}  # someone moves the checkpoint back to hide a cut
    path.write_text(first + "\n" + json.dumps(edited) + "\n")
    report = service.verify(services.uow(), checkpoints=checkpoint_log(services))
    assert report.checkpoints is not None
    [problem] = report.checkpoints.problems
    assert (problem.kind, problem.line, problem.seq) == (ProblemKind.FORGED, 2, 25)
    result = run_cli(services, "audit", "verify")
    assert result.returncode == 1
    assert "the checkpoint on line 2 (row 25) has a wrong MAC: forged or edited" in result.stderr


def test_without_a_checkpoint_file_verify_warns_and_passes(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    assert not checkpoint_log(services).exists()
    result = run_cli(services, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "audit chain intact" in result.stdout
    assert "warning: no checkpoint file at" in result.stderr
    body = http.get("/api/v1/audit/verify", headers=admin).json()
    assert body["ok"] is True and body["checkpoints_checked"] == 0
    assert [w for w in body["warnings"] if w.startswith("no checkpoint file at")]


def test_the_checkpoint_command_writes_only_when_the_head_moved(services: Services) -> None:
    write_rows(services, 5)
    first = run_cli(services, "audit", "checkpoint")
    assert first.returncode == 0, first.stderr
    assert f"checkpoint written to {checkpoint_log(services).path}: row 5" in first.stdout
    again = run_cli(services, "audit", "checkpoint")
    assert again.returncode == 0, again.stderr
    assert "no new checkpoint" in again.stdout
    write_rows(services, 1)
    assert run_cli(services, "audit", "checkpoint").returncode == 0
    lines = checkpoint_log(services).path.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [5, 6]


def test_the_checkpoint_command_will_not_checkpoint_a_cut_log(
    services: Services, cut_log: tuple[int, int]
) -> None:
    result = run_cli(services, "audit", "checkpoint")
    assert result.returncode == 1
    assert "behind the checkpoint of row 120" in result.stderr
    assert len(checkpoint_log(services).path.read_text().splitlines()) == 1


def test_an_auditor_catches_the_cut_with_the_log_collectors_copy(services: Services, tmp_path: Path) -> None:
    """The administrator also removed the checkpoint file; the log records shipped off the host remain."""
    write_rows(services, 120)
    written = run_cli(services, "audit", "checkpoint", extra_env={"KUZET_LOG_LEVEL": "INFO"})
    assert written.returncode == 0, written.stderr
    records = [json.loads(line) for line in written.stderr.splitlines() if line.startswith("{")]
    [record] = [r for r in records if r.get("message") == CHECKPOINT_MESSAGE]
    assert record["logger"] == "kuzet.audit"
    assert set(record["checkpoint"]) == {"seq", "hash", "at", "mac"} and record["checkpoint"]["seq"] == 120
    collected = tmp_path / "collector.jsonl"
    unrelated = json.dumps({"logger": "uvicorn.access", "message": "GET /healthz 200"})
    collected.write_text(unrelated + "\n" + written.stderr)
    cut_tail(services)
    checkpoint_log(services).path.unlink()
    alone = run_cli(services, "audit", "verify")
    assert alone.returncode == 0 and "warning: no checkpoint file" in alone.stderr
    audited = run_cli(services, "audit", "verify", "--checkpoints", str(collected))
    assert audited.returncode == 1
    assert "rows 71..120 are missing: the log was cut after its last checkpoint" in audited.stderr


def test_a_checkpoint_copy_that_is_not_there_is_a_usage_error(services: Services, tmp_path: Path) -> None:
    result = run_cli(services, "audit", "verify", "--checkpoints", str(tmp_path / "nowhere.jsonl"))
    assert result.returncode == 2
    assert "no checkpoint file at" in result.stderr
