"""`kuzet serve` with two worker processes, as an operator runs it: every worker logs JSON lines with personal
data masked and writes the access log, and a killed worker is replaced while the other keeps serving."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.auth.domain import Role
from tests.conftest import PASSWORD, _free_port, add_user, bearer, scratch_database
from tests.processes import start_serve, wait_for

HEALTHCHECK_SECONDS = 3  # uvicorn's own default is 5
PHONE_DIGITS = "7011234567"
PHONE_IN_PATH = "%2B77011234567"  # +77011234567, as a client sends it in a URL
PHONE_IN_QUERY = "%2B7%20701%20123%2045%2067"  # +7 701 123 45 67


@dataclass
class Serving:
    process: subprocess.Popen[bytes]
    url: str
    stderr: Path

    def records(self) -> list[dict[str, Any]]:
        """Every line written to stderr so far, each of which must be one JSON object."""
        lines = [line for line in self.stderr.read_text(encoding="utf-8").splitlines() if line.strip()]
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"stderr holds a line that is not JSON: {line!r}")
        return records

    def workers(self) -> set[int]:
        """The pids of the server's worker processes (uvicorn spawns each with multiprocessing)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:  # ended meanwhile
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid and b"multiprocessing.spawn" in cmdline:
                found.add(int(entry.name))
        return found


def answers(url: str) -> int | None:
    """The status of one request on a new connection (so that any worker may take it); None if refused."""
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.TransportError:
        return None


def start_serving(folder: Path, database_url: str, secret_key: str) -> Serving:
    """`kuzet serve` with KUZET_WORKERS=2 on a free port, its stderr written to a file."""
    port = _free_port()
    extra = {"KUZET_WORKER_HEALTHCHECK_SECONDS": str(HEALTHCHECK_SECONDS)}
    process, stderr = start_serve(
        folder, database_url=database_url, secret_key=secret_key, port=port, workers=2, extra=extra
    )
    return Serving(process, f"http://127.0.0.1:{port}", stderr)


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Serving]:
    """`kuzet serve` with KUZET_WORKERS=2 on a free port over a fresh, migrated database with a dispatcher."""
    with scratch_database(tmp_path) as database_url:
        migrate.upgrade(database_url)
        settings = Settings(
            mode=Mode.TEST,
            database_url=database_url,
            secret_key="test-secret-" + "w" * 40,
            data_dir=tmp_path / "data",
            argon2_time_cost=1,
            argon2_memory_kib=1024,
        )
        services = Services.build(settings)
        try:
            add_user(services, "disp", Role.DISPATCHER, "central")
        finally:
            services.close()
        serving = start_serving(tmp_path, database_url, settings.secret_key)
        process = serving.process
        try:
            yield serving
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    for pid in serving.workers():
                        os.kill(pid, signal.SIGKILL)
                    process.kill()
                    process.wait()


def test_two_workers_log_json_mask_phones_and_are_replaced_when_killed_or_hung(two_workers: Serving) -> None:
    server = two_workers
    wait_for("the server is ready", lambda: answers(f"{server.url}/readyz") == 200, timeout=60)
    first = wait_for("two workers run", lambda: w if len(w := server.workers()) == 2 else None, timeout=10)

    def started_up(*pids: int) -> bool:  # as each worker logs it
        done = {r["process"] for r in server.records() if r["message"] == "Application startup complete."}
        return done >= set(pids)

    wait_for("both workers are ready", lambda: started_up(*first), timeout=60)

    token = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"username": "disp", "password": PASSWORD}, timeout=10
    ).json()["token"]
    headers = bearer(token)
    for path in (
        f"/api/v1/appeals/{PHONE_IN_PATH}",
        f"/api/v1/incidents?q={PHONE_IN_QUERY}&p={PHONE_IN_PATH}",
    ):
        assert httpx.get(f"{server.url}{path}", headers=headers, timeout=10).status_code < 500

    killed = min(first)
    os.kill(killed, signal.SIGKILL)
    started = time.monotonic()
    statuses = []

    def replaced() -> set[int] | None:
        statuses.append(answers(f"{server.url}/healthz"))  # the other worker keeps serving meanwhile
        now = server.workers()
        return now if len(now) == 2 and killed not in now else None

    now = wait_for("a new worker replaces the killed one", replaced, timeout=5)
    assert time.monotonic() - started < 5
    assert statuses and set(statuses) == {200}
    (new,) = now - first

    hung = (now - {new}).pop()
    os.kill(hung, signal.SIGSTOP)  # alive, but deaf to the supervisor's health check
    started = time.monotonic()

    def replaced_hung() -> set[int] | None:
        now = server.workers()
        return now if len(now) == 2 and hung not in now else None

    now = wait_for("a new worker replaces the hung one", replaced_hung, timeout=HEALTHCHECK_SECONDS + 5)
    waited = time.monotonic() - started
    assert waited < HEALTHCHECK_SECONDS + 1.5  # the setting's limit, not uvicorn's default of 5 s
    (new,) = now - first - {new}

    wait_for("the new workers are ready", lambda: started_up(*now), timeout=30)

    def every_worker_logged_access() -> bool:  # the kernel hands each new connection to either worker
        answers(f"{server.url}/api/v1/units/{PHONE_IN_PATH}")
        logged = {r["process"] for r in server.records() if r["logger"] == "uvicorn.access"}
        return now <= logged

    wait_for("both workers write the access log", every_worker_logged_access, timeout=15)

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0
    records = server.records()  # and every line is JSON
    text = server.stderr.read_text(encoding="utf-8")
    for pid in first | now:  # each worker logged its start
        assert any(r["process"] == pid and r["logger"] == "uvicorn.error" for r in records), pid
    access = [r["message"] for r in records if r["logger"] == "uvicorn.access"]
    assert any("/api/v1/appeals/[phone]" in message for message in access)
    assert any("/api/v1/units/[phone]" in message for message in access)
    assert PHONE_DIGITS not in text
    assert "%2B7" not in text
    assert "Traceback" not in text


def test_a_worker_that_cannot_start_stops_the_server_with_a_logged_reason(tmp_path: Path) -> None:
    server = start_serving(tmp_path, "nosuchdb://kuzet", "test-secret-" + "w" * 40)
    try:
        assert server.process.wait(timeout=60) == 3  # uvicorn's start-up failure, as with one worker
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    records = server.records()  # every line is JSON, the traceback within one
    failures = [r for r in records if r["logger"] == "kuzet.serve"]
    assert failures and all(r["message"] == "the server could not start" for r in failures)
    assert all("nosuchdb" in r["exception"] for r in failures)
    assert not any("starting another" in r["message"] for r in records)  # no worker was started again
