"""Partner appeals sent without pause to several hosts, as partner apps would, each under its own
Idempotency-Key, and retried with that key until acknowledged: what each host answered, kept per key."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from kuzet.core.problems import PROBLEM_JSON
from tests.operations.hosts import Host, Seeded, citizen_appeal


def appeal_text(key: str) -> str:
    return f"Украли велосипед у подъезда, обращение {key}"


@dataclass
class Answer:
    at: float  # time.monotonic()
    host: str
    status: int | None  # None: no answer (connection refused or dropped)
    body: dict[str, Any] | None
    content_type: str = ""
    retry_after: str | None = None


@dataclass
class PartnerLoad:
    """Threads sending partner appeals round the hosts until stopped; `settle` then retries the rest."""

    hosts: list[Host]
    seeded: Seeded
    threads: int = 2
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def start(self) -> None:
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def send(self, key: str) -> Answer:
        """Send (or send again) the appeal of `key` to the next host in turn."""
        host = self.hosts[next(self._turn) % len(self.hosts)]
        client = self.seeded.partner(host)
        try:
            response = client.send_appeal(citizen_appeal(appeal_text(key)), idempotency_key=key)
            try:
                body = response.json()
            except ValueError:
                body = None
            answer = Answer(
                time.monotonic(),
                host.name,
                response.status_code,
                body,
                response.headers.get("content-type", ""),
                response.headers.get("retry-after"),
            )
        except httpx.HTTPError:
            answer = Answer(time.monotonic(), host.name, None, None)
        finally:
            client.close()
        with self._lock:
            self.answers.setdefault(key, []).append(answer)
        return answer

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.send(str(uuid.uuid4())).status:
                time.sleep(0.05)  # refused at once: do not spin

    def acknowledged(self) -> dict[str, set[int]]:
        """Key → the appeal ids its 2xx answers named (one id each, if retries settle to one appeal)."""
        with self._lock:
            return {
                key: {int(a.body["id"]) for a in answers if _ok(a) and a.body}
                for key, answers in self.answers.items()
                if any(_ok(a) for a in answers)
            }

    def pending(self) -> list[str]:
        with self._lock:
            return [k for k, answers in self.answers.items() if not any(_ok(a) for a in answers)]

    def failures(self) -> list[Answer]:
        with self._lock:
            return [a for answers in self.answers.values() for a in answers if not _ok(a)]

    def statuses(self) -> Counter[int | None]:
        with self._lock:
            return Counter(a.status for answers in self.answers.values() for a in answers)

    def settle(self, timeout: float = 30) -> None:
        """Retry every unacknowledged key with its own key until each is acknowledged."""
        deadline = time.monotonic() + timeout
        while (left := self.pending()) and time.monotonic() < deadline:
            for key in left:
                self.send(key)
        assert not self.pending(), f"{len(self.pending())} appeals never settled"

    def ok_after(self, host: str, moment: float) -> float | None:
        """The first moment after `moment` that `host` acknowledged an appeal."""
        with self._lock:
            found = [a.at for answers in self.answers.values() for a in answers if a.host == host and _ok(a)]
        later = [at for at in found if at > moment]
        return min(later) if later else None


def _ok(answer: Answer) -> bool:
    return answer.status is not None and 200 <= answer.status < 300


def is_clean_unavailable(answer: Answer) -> bool:
    """A 503 problem+json telling when to retry."""
    return (
        answer.status == 503
        and answer.content_type.startswith(PROBLEM_JSON)
        and answer.retry_after is not None
        and answer.body is not None
        and answer.body.get("status") == 503
    )
