"""Fixtures of the hand-over tests: an agency registered at a free loopback port, the outbox relay (quick to
retry, re-sending overdue hand-overs often), and the agency simulator as a real `kuzet agency-sim` process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.outbox import Relay
from kuzet.interagency import handovers
from kuzet.interagency import service as agencies
from kuzet.interagency.domain import Agency, AgencyKey, KeyDirection, MessageFormat
from kuzet.interagency.sender import AgencySender
from tests import processes
from tests.conftest import KUZET_COMMAND, LiveServer, _free_port


@dataclass
class Registered:
    agency: Agency
    port: int
    keys: list[AgencyKey]

    def key(self, direction: KeyDirection) -> AgencyKey:
        return next(k for k in self.keys if k.direction is direction)


def register(
    services: Services, code: str, *, p1_ack_seconds: int = 60, fmt: str = "eido", also: tuple[str, ...] = ()
) -> Registered:
    """An agency taking `fmt` (and the formats `also`), its endpoint on a free loopback port."""
    port = _free_port()
    agency = Agency(
        code=code,
        names={"ru": f"Служба {code}", "kk": f"{code} қызметі", "en": f"Agency {code}"},
        endpoint_url=f"http://127.0.0.1:{port}/handover",
        formats=frozenset(MessageFormat(f) for f in (fmt, *also)),
        ack_deadlines={1: p1_ack_seconds, 2: 120, 3: 300, 4: 600},
        contact_phone="+7 7172 55 01 03",
    )
    issued = agencies.create(
        services.uow(), services.auth.box, agency=agency, by=Actor.system("test"), at=services.clock.now()
    )
    return Registered(agency, port, issued.keys)


@pytest.fixture
def handover_relay(services: Services) -> Iterator[Relay]:
    """The outbox relay with the agency sender; its chores re-send overdue hand-overs every 0.1 s."""

    def chores() -> None:
        handovers.resend_overdue(services.uow(), at=services.clock.now())

    running = Relay(
        services.session_factory,
        services.clock,
        {"agency": AgencySender(services.session_factory, services.auth.box, services.clock)},
        lease=timedelta(seconds=2),
        backoff_base=0.05,
        chores=chores,
        chores_every=0.1,
    )
    thread = running.start(interval=0.05)
    yield running
    running.stop()
    thread.join(timeout=15)


@dataclass
class Sim:
    """One `kuzet agency-sim` process, restartable with the same state file."""

    services: Services
    registered: Registered
    kuzet_url: str
    state_file: Path
    options: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.registered.port}"

    def start(self, *extra: str) -> Sim:
        s = self.services.settings
        env = {
            **os.environ,
            "KUZET_DATA_DIR": str(s.data_dir),
            "KUZET_MODE": "test",
            "KUZET_SECRET_KEY": s.secret_key,
            "KUZET_LOG_LEVEL": "WARNING",
        }
        args = [
            KUZET_COMMAND,
            "agency-sim",
            "--agency",
            self.registered.agency.code,
            "--port",
            str(self.registered.port),
            "--kuzet-url",
            self.kuzet_url,
            "--database-url",
            s.database_url,
            "--state-file",
            str(self.state_file),
            "--min-delay",
            "0.05",
            "--max-delay",
            "0.3",
            "--reject-rate",
            "0",
            *self.options,
            *extra,
        ]
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/control/received", timeout=1)
                return self
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                    raise RuntimeError(f"agency-sim did not start: {stderr}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def received(self) -> list[dict[str, str]]:
        return list(httpx.get(f"{self.url}/control/received", timeout=5).json()["received"])

    def answers(self) -> list[dict[str, Any]]:
        """What Kuzet answered this process's calls (step and HTTP status), in order."""
        return list(httpx.get(f"{self.url}/control/received", timeout=5).json()["answers"])


@pytest.fixture
def make_sim(services: Services, server: LiveServer, tmp_path: Path) -> Iterator[Callable[..., Sim]]:
    started: list[Sim] = []

    def make(registered: Registered, *options: str) -> Sim:
        sim = Sim(
            services, registered, server.url, tmp_path / f"{registered.agency.code}.json", list(options)
        )
        started.append(sim)
        return sim.start()

    yield make
    for sim in started:
        sim.kill()


def wait_for(check: Callable[[], Any], timeout: float = 30, every: float = 0.05) -> Any:
    """Poll until `check` returns something true; return it (fail the test at the timeout)."""
    return processes.wait_for(f"waiting for {check}", check, timeout, every)
