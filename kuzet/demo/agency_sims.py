"""The demo's agencies, alive: one `kuzet agency-sim` child process per demo agency, and now and then one of
them told to go silent for a while, so the supervisor sees a link go down and come back.

The processes live as long as the demo: stop() asks each to end (SIGTERM, then SIGKILL after a grace
period) and ends the silencing thread."""

from __future__ import annotations

import logging
import random
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import httpx

from kuzet.demo.agencies import service_number

log = logging.getLogger(__name__)

# Real seconds: the agencies answer within a few seconds, as a busy control room would.
MIN_DELAY_S: Final = 1.0
MAX_DELAY_S: Final = 6.0
REJECT_RATE: Final = 0.1
# A silence every 4 to 8 minutes, of 40 to 90 s: a P1 hand-over's deadline (60 s) may pass, the console
# raises the alarm and Kuzet sends it once more, which an agency back by then acknowledges.
SILENCE_EVERY_S: Final = (240.0, 480.0)
SILENCE_FOR_S: Final = (40.0, 90.0)
STOP_GRACE_S: Final = 5.0
# 112 also transfers a call to the police every 5 minutes (an appeal on channel `agency`).
TRANSFERS_FROM: Final = {"emergency_112": 300.0}


@dataclass(frozen=True)
class SimSpec:
    code: str
    port: int

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/control/silent"


def specs(codes: Sequence[str], port_base: int) -> list[SimSpec]:
    """Where each demo agency's simulator listens: the port base plus its service number."""
    return [SimSpec(code, port_base + service_number(code)) for code in codes]


def sim_args(
    spec: SimSpec,
    kuzet_url: str,
    database_url: str,
    seed: int | None = None,
    delays: tuple[float, float] = (MIN_DELAY_S, MAX_DELAY_S),
    reject_rate: float = REJECT_RATE,
) -> list[str]:
    """The command line of one simulator, run with this interpreter."""
    args = [
        sys.executable,
        "-m",
        "kuzet",
        "agency-sim",
        "--agency",
        spec.code,
        "--port",
        str(spec.port),
        "--kuzet-url",
        kuzet_url,
        "--database-url",
        database_url,
        "--min-delay",
        str(delays[0]),
        "--max-delay",
        str(delays[1]),
        "--reject-rate",
        str(reject_rate),
    ]
    if seed is not None:
        args += ["--seed", str(seed + service_number(spec.code))]
    if spec.code in TRANSFERS_FROM:
        args += ["--transfer-every", str(TRANSFERS_FROM[spec.code])]
    return args


class AgencySims:
    """The simulators as child processes, and the thread that silences one of them now and then."""

    def __init__(
        self,
        sims: Sequence[SimSpec],
        kuzet_url: str,
        database_url: str,
        *,
        seed: int | None = None,
        silences: bool = True,
        delays: tuple[float, float] = (MIN_DELAY_S, MAX_DELAY_S),
        reject_rate: float = REJECT_RATE,
    ) -> None:
        self.sims = list(sims)
        self.kuzet_url = kuzet_url
        self.database_url = database_url
        self.seed = seed
        self.silences = silences
        self.delays = delays
        self.reject_rate = reject_rate
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.silenced: list[str] = []  # the codes silenced so far, in order
        self._random = random.Random(seed)  # noqa: S311 - a simulation, not security
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._silence_now_and_then, name="agency-silences", daemon=True
        )

    def start(self) -> AgencySims:
        for spec in self.sims:
            self.processes[spec.code] = subprocess.Popen(  # noqa: S603 - our own command, no shell
                sim_args(spec, self.kuzet_url, self.database_url, self.seed, self.delays, self.reject_rate),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        if self.silences and self.sims:
            self._thread.start()
        return self

    def set_silent(self, spec: SimSpec, silent: bool) -> bool:
        """Tell one simulator to stop (or resume) answering; False when it could not be told."""
        try:
            response = httpx.post(spec.control_url, json={"silent": silent}, timeout=2)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def _silence_now_and_then(self) -> None:
        while not self._stop.wait(self._random.uniform(*SILENCE_EVERY_S)):
            spec = self._random.choice(self.sims)
            if not self.set_silent(spec, True):
                continue
            self.silenced.append(spec.code)
            log.info("demo agency gone silent", extra={"agency": spec.code})
            self._stop.wait(self._random.uniform(*SILENCE_FOR_S))
            self.set_silent(spec, False)
            log.info("demo agency answering again", extra={"agency": spec.code})

    def stop(self) -> None:
        """End the silences and the processes: SIGTERM, then SIGKILL to one that does not end in time."""
        self._stop.set()
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for code, process in self.processes.items():
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                log.warning("agency simulator did not stop: killed", extra={"agency": code})
                process.kill()
                process.wait(timeout=STOP_GRACE_S)
        if self._thread.is_alive():
            self._thread.join(timeout=STOP_GRACE_S)
