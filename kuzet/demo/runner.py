"""Running the simulation against a server: traffic and fleet in one loop on demo time, in a thread.

The loop waits for the server's /readyz, logs in, and then steps every half second of real time: appeals due,
the units' boards and queues read, the simulated dispatcher, the units' next steps, movement and positions.
A refused call is the fleet's business; a server that stops answering is waited for, with growing pauses,
and the loop goes on where it was when the server is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx
import numpy as np

from kuzet.demo.access import SimAccess
from kuzet.demo.desk import Desk, Refused
from kuzet.demo.dispatcher import SimDispatcher
from kuzet.demo.fleet import Fleet, Router
from kuzet.demo.motion import LatLon, SimClock
from kuzet.demo.places import Places
from kuzet.demo.profile import MEAN_PER_HOUR
from kuzet.demo.traffic import Kind, Traffic
from kuzet.partners.client import PartnerClient

log = logging.getLogger(__name__)

TICK_S: Final = 0.5  # real seconds between steps
MAX_PAUSE_S: Final = 15.0


@dataclass(frozen=True)
class Options:
    speedup: float = 10.0
    traffic: bool = True
    appeals_per_hour: float = MEAN_PER_HOUR
    seed: int | None = None
    start: datetime | None = None  # where demo time starts (default: now)
    handovers: bool = False  # hand some incidents over to the agencies (their simulators run)


class Simulation:
    """Traffic and fleet over one HTTP client, stepped on demo time."""

    def __init__(
        self,
        url: str,
        access: SimAccess,
        *,
        places: Places,
        posts: Mapping[str, LatLon] | None = None,
        router: Router | None = None,
        options: Options | None = None,
    ) -> None:
        self.options = options or Options()
        self.clock = SimClock(self.options.speedup, start=self.options.start)
        self.rng = np.random.default_rng(self.options.seed)
        self.http = httpx.Client(base_url=url, timeout=15)
        self.access = access
        self.places = places
        dispatchers = {d: Desk(self.http, a) for d, a in access.dispatchers.items()}
        self.fleet = Fleet(dispatchers=dispatchers, rng=self.rng, posts=posts, router=router)
        self.dispatcher = SimDispatcher(self.fleet, self.rng)
        self.traffic: Traffic | None = None
        self.steps = 0
        self._started = False
        self._last_sync = -1e9
        self._last_report = -1e9
        self._last_demo = self.clock.now()

    def _start(self) -> None:
        """Read the catalogue and the units' positions; set up the traffic generator."""
        self.fleet.start()
        if self.options.traffic:
            kinds = {code: Kind(code, group) for code, group in self.fleet.groups.items()}
            call_takers = {d: Desk(self.http, a) for d, a in self.access.call_takers.items()}
            partners = {
                p.code: PartnerClient(
                    str(self.http.base_url), key_id=p.key_id, secret=p.secret, http=self.http
                )
                for p in self.access.partners
            }
            self.traffic = Traffic(
                call_takers=call_takers,
                partners=partners,
                places=self.places,
                kinds=kinds,
                rng=self.rng,
                mean_per_hour=self.options.appeals_per_hour,
                dispatchers=self.fleet.desks if self.options.handovers else None,
            )
        self._started = True
        self._last_demo = self.clock.now()

    def step(self) -> None:
        """One step: whatever is due now in demo time."""
        if not self._started:
            self._start()
        now, real = self.clock.now(), time.monotonic()
        # After a pause (a server away), the appeals of the missed time are not all sent at once.
        elapsed = min((now - self._last_demo).total_seconds(), 4 * TICK_S * self.clock.speedup)
        self._last_demo = now
        if self.traffic is not None:
            self.traffic.step(now, elapsed)
        if real - self._last_sync >= self._sync_every():
            self._last_sync = real
            self.fleet.sync(now)
            self.dispatcher.step(now)
        self.fleet.work(now)
        self.fleet.move(now)
        if real - self._last_report >= self._report_every():
            self._last_report = real
            self.fleet.report(now)
        self.steps += 1

    def _sync_every(self) -> float:
        """Boards and queues every 20 demo seconds, within 0.5 to 2 real seconds."""
        return min(max(20.0 / self.clock.speedup, 0.5), 2.0)

    def _report_every(self) -> float:
        """Positions every 5 demo seconds, within 1 to 2 real seconds."""
        return min(max(5.0 / self.clock.speedup, 1.0), 2.0)

    def run(self, stop: threading.Event, *, seconds: float | None = None) -> None:
        """Step until `stop` is set (or for `seconds` of real time), riding out a server that goes away."""
        deadline = None if seconds is None else time.monotonic() + seconds
        pause = 1.0
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            began = time.monotonic()
            try:
                self.step()
                pause = 1.0
            except (httpx.TransportError, Refused) as exc:
                log.warning(
                    "demo simulation: server not answering as expected, waiting", extra={"reason": str(exc)}
                )
                stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
                continue
            except Exception:  # the demo must keep going; the trace is in the log
                log.exception("demo simulation step failed")
                stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
                continue
            stop.wait(max(0.0, TICK_S - (time.monotonic() - began)))

    def close(self) -> None:
        self.http.close()


def wait_ready(url: str, stop: threading.Event, timeout: float | None = None) -> bool:
    """Wait until the server answers /readyz with 200 (or `stop` is set, or the timeout passes)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=5) as http:
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                if http.get("/readyz").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            stop.wait(0.5)
    return False


class Background:
    """The simulation in a daemon thread, started once the server is ready; stop() ends it cleanly."""

    def __init__(self, simulation: Simulation) -> None:
        self.simulation = simulation
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="demo-simulation", daemon=True)

    def _run(self) -> None:
        url = str(self.simulation.http.base_url)
        try:
            if wait_ready(url, self.stop_event):
                self.simulation.run(self.stop_event)
        finally:
            self.simulation.close()

    def start(self) -> Background:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)
