"""What the simulated cameras' analytics system tells Kuzet, as a real one does: signed heartbeats of the
cameras alive (every ~30 s), now and then one camera going silent for a while (no heartbeat, no picture),
and now and then a plate read, a share of them plates of the cars the police are looking for.

It runs as a thread of the camera simulator (`kuzet camera-sim --report-to URL`), signing with the key of an
analytics source registered in Kuzet (`kuzet cctv source add`), read from the environment so that the secret
is never on a command line. A refused or failed post is logged and the next one goes on: a camera system does
not stop because the centre is down for a minute."""

from __future__ import annotations

import json
import logging
import random
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import httpx

from kuzet.core.signing import signed_headers

log = logging.getLogger(__name__)

HEARTBEATS: Final = "/api/v1/cctv/heartbeats"
EVENTS: Final = "/api/v1/cctv/events"
KEY_ID_ENV: Final = "KUZET_CAMERA_SIM_KEY_ID"
SECRET_ENV: Final = "KUZET_CAMERA_SIM_SECRET"  # noqa: S105 - the name of the variable, not a secret
TICK_S: Final = 0.1
RETRY_S: Final = 2.0  # a heartbeat not delivered (Kuzet still starting, say) is tried again this soon


@dataclass(frozen=True)
class ReportPlan:
    """How often what happens, in real seconds (means of exponential gaps, so the demo is not a metronome).
    A mean of 0 turns that part off."""

    heartbeat_s: float = 30.0
    plate_every_s: float = 0.0
    wanted_plates: tuple[str, ...] = ()  # plates of cars the police look for, driving about
    wanted_share: float = 0.0  # of the plate reads, the share that is one of them
    min_confidence: float = 0.75
    silence_every_s: float = 0.0
    silence_s: float = 0.0  # how long a camera that goes silent stays silent


def random_plate(rng: random.Random) -> str:
    """A Kazakh-style plate, `123 ABC 02`."""
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    return f"{rng.randrange(1000):03d} {letters} {rng.randrange(1, 20):02d}"


class Reporter:
    """The analytics system of the simulated cameras: a thread that posts to Kuzet until stopped."""

    def __init__(
        self,
        base_url: str,
        key: tuple[str, str],
        cameras: list[str],
        plan: ReportPlan,
        *,
        silent: set[str],
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.key_id, self._secret = key
        self.cameras = cameras
        self.plan = plan
        self.silent = silent  # shared with the simulator: a silent camera serves no picture either
        self.rng = rng or random.Random()  # noqa: S311 - a simulation, not cryptography
        self.clock = clock
        self.stopping = threading.Event()
        self.sent: dict[str, int] = {"heartbeat": 0, "plate": 0, "refused": 0}
        self._http = httpx.Client(base_url=base_url, timeout=10, transport=transport)
        self._thread = threading.Thread(target=self._run, name="camera-sim-reporter", daemon=True)
        self._silent_until: dict[str, float] = {}
        now = clock()
        self._next_beat = now  # the first heartbeat at once: the cameras are online as soon as they start
        self._next_plate = now + self._gap(plan.plate_every_s)
        self._next_silence = now + self._gap(plan.silence_every_s)

    def start(self) -> Reporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=5)
        self._http.close()

    def _gap(self, mean: float) -> float:
        return self.rng.expovariate(1.0 / mean) if mean > 0 else float("inf")

    def _post(self, path: str, payload: object, kind: str) -> bool:
        body = json.dumps(payload).encode()
        headers = signed_headers(
            key_id=self.key_id,
            secret=self._secret,
            method="POST",
            path=path,
            body=body,
            timestamp=int(time.time()),
            nonce=secrets.token_hex(12),
        )
        try:
            answer = self._http.post(
                path, content=body, headers={**headers, "Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:  # Kuzet not reachable (yet): not worth a warning each time
            log.info("camera-sim: %s not delivered: %s", kind, type(exc).__name__)
            self.sent["refused"] += 1
            return False
        if answer.status_code >= 400:
            log.warning("camera-sim: %s refused: %s", kind, answer.status_code)
            self.sent["refused"] += 1
            return False
        self.sent[kind] += 1
        return True

    def heartbeat(self) -> bool:
        """Post the cameras alive; False when it did not get through."""
        alive = [c for c in self.cameras if c not in self.silent]
        return self._post(HEARTBEATS, {"cameras": alive}, "heartbeat") if alive else True

    def plate_read(self) -> None:
        alive = [c for c in self.cameras if c not in self.silent]
        if not alive:
            return
        plan = self.plan
        wanted = bool(plan.wanted_plates) and self.rng.random() < plan.wanted_share
        plate = self.rng.choice(plan.wanted_plates) if wanted else random_plate(self.rng)
        event = {
            "id": f"sim-{secrets.token_hex(8)}",
            "kind": "plate",
            "camera": self.rng.choice(alive),
            "at": datetime.now(UTC).isoformat(),
            "confidence": round(self.rng.uniform(plan.min_confidence, 0.99), 2),
            "plate": plate,
        }
        self._post(EVENTS, event, "plate")

    def _silence_one(self, now: float, woken: set[str]) -> None:
        speaking = [c for c in self.cameras if c not in self.silent and c not in woken]
        if len(speaking) > 1:  # never all of them: that would be the network, not a camera
            camera = self.rng.choice(speaking)
            self.silent.add(camera)
            self._silent_until[camera] = now + self.plan.silence_s
            log.info("camera-sim: %s goes silent for %.0f s", camera, self.plan.silence_s)

    def _wake(self, now: float) -> set[str]:
        """The cameras whose silence is over, speaking again."""
        woken = {camera for camera, until in self._silent_until.items() if now >= until}
        for camera in woken:
            self.silent.discard(camera)
            del self._silent_until[camera]
        return woken

    def step(self) -> None:
        """Do what is due by the clock now."""
        plan = self.plan
        now = self.clock()
        woken = self._wake(now)
        if now >= self._next_silence:
            self._silence_one(now, woken)
            self._next_silence = now + self._gap(plan.silence_every_s)
        if now >= self._next_beat:
            delivered = self.heartbeat()
            self._next_beat = now + (plan.heartbeat_s if delivered else min(RETRY_S, plan.heartbeat_s))
        if now >= self._next_plate:
            self.plate_read()
            self._next_plate = now + self._gap(plan.plate_every_s)

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.step()
            self.stopping.wait(TICK_S)
