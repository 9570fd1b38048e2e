"""An agency simulator for the demo and the tests: a small HTTP server that plays one agency (103, say).

It takes Kuzet's hand-overs on POST /handover, checks our signature with its copy of our outbound keys, and
answers as the agency would, each call signed with its own key: after a short random delay it acknowledges
(or, now and then, rejects), then reports dispatched, on scene and closed with its units.

What it planned is kept in a state file, written before each answer is marked sent. Killed and started again
it goes on where it stopped: an answer it sent but did not see confirmed is sent again with the same agency
time, which Kuzet applies once. A hand-over received twice (the outbox delivers at least once) is planned
once. Each message says in X-Kuzet-Kind what it is: a request is planned; an update of the shared incident
is only recorded (a real agency would tell its crew); a cancel drops the steps still planned for it. A
public alert (X-Kuzet-Kind: cap-alert, a CAP document) is checked against the CAP XSD and recorded.

Given `transfers`, it also transfers calls to the police as 112 does (an EIDO incident signed with its key,
see sim_cli.py), retried with the same Idempotency-Key until Kuzet answers; a silent agency sends none. What
it sent is kept in memory only (a restart forgets a transfer still pending).

Control, for tests and the demo (loopback only, unauthenticated: it is a simulator):
  POST /control/silent {"silent": true|false}  stop or resume answering (hand-overs are still received)
  GET  /control/received                        the messages received (ref, event id, kind, tracking id)
                                                and Kuzet's answers
  GET  /control/messages                        the messages received with their documents, in order
  GET  /control/transfers                       the transfers sent: key, place, document, Kuzet's answer
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from kuzet.core import signing
from kuzet.interagency.cap_read import parse_cap

log = logging.getLogger(__name__)

HANDOVER_PATH: Final = "/handover"
KIND_HEADER: Final = "X-Kuzet-Kind"
REQUEST, UPDATE, CANCEL = "request", "update", "cancel"
CAP_KIND: Final = "cap-alert"  # a public alert (CAP XML), posted to the same endpoint
ANSWER_PATH: Final = "/api/v1/agency/handovers/{ref}/{step}"
HEARTBEAT_PATH: Final = "/api/v1/agency/heartbeat"
TRANSFER_PATH: Final = "/api/v1/agency/transfers"
HEARTBEAT_SECONDS: Final = 3.0
RETRY_SECONDS: Final = 0.5
BODY_MAX: Final = 2 * 1024 * 1024
SENDERS: Final = 8  # answers in flight at once, each for a different hand-over


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Keys:
    ours: list[Key]  # Kuzet's outbound keys, that sign what we receive
    theirs: Key  # the agency's inbound key, that signs what we send


@dataclass(frozen=True)
class Behaviour:
    min_delay: float = 1.0
    max_delay: float = 5.0
    reject_rate: float = 0.1
    seed: int | None = None


@dataclass(frozen=True)
class Transfers:
    """Calls to transfer to the police: one every `every` seconds, up to `count` (0: no end). `make(random)`
    writes the next: its Idempotency-Key (`key`), its EIDO as sent (`body`, bytes) and what to show of it."""

    every: float
    make: Callable[[random.Random], dict[str, Any]]
    count: int = 0


class Simulator:
    """The agency's state: its plans per hand-over, what it received, and whether it is silent."""

    def __init__(
        self,
        agency: str,
        kuzet_url: str,
        keys: Keys,
        behaviour: Behaviour,
        *,
        state_file: Path | None = None,
        silent: bool = False,
        reload_keys: Any = None,
        heartbeat_every: float = HEARTBEAT_SECONDS,
        transfers: Transfers | None = None,
    ) -> None:
        self.agency = agency
        self.kuzet_url = kuzet_url.rstrip("/")
        self.keys = keys
        self.behaviour = behaviour
        self.state_file = state_file
        self.silent = silent
        self._reload_keys = reload_keys
        self._random = random.Random(behaviour.seed)  # noqa: S311 - a simulation, not security
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.received: list[dict[str, str]] = []
        self.documents: list[dict[str, Any]] = []  # each message received: its kind, ref and document
        self.answers: list[dict[str, Any]] = []  # what Kuzet answered each call: ref, step, status code
        self.plans: dict[str, dict[str, Any]] = self._load()
        self._client = httpx.Client(timeout=5, limits=httpx.Limits(max_connections=SENDERS))
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="agency-sim-send")
        self.heartbeat_every = heartbeat_every
        self._next_beat = 0.0  # a heartbeat at once, then every `heartbeat_every` seconds while not silent
        self.transfers = transfers
        self.transfers_sent: list[dict[str, Any]] = []  # each transfer: key, place, document, Kuzet's answer
        self._transfer_random = random.Random(behaviour.seed)  # noqa: S311 - apart: answers' draws unchanged
        self._next = time.time() + (transfers.every if transfers is not None else 0.0)  # the next transfer
        self._pending: dict[str, Any] | None = None  # the transfer being sent, retried until answered

    # state
    def _load(self) -> dict[str, dict[str, Any]]:
        if self.state_file is None or not self.state_file.exists():
            return {}
        return dict(json.loads(self.state_file.read_text()))

    def _save(self) -> None:
        if self.state_file is None:
            return
        scratch = self.state_file.with_suffix(".tmp")
        scratch.write_text(json.dumps(self.plans))
        scratch.replace(self.state_file)

    # receiving
    def verify(self, headers: Any, path: str, body: bytes) -> bool:
        request = signing.SignedRequest.from_headers(headers)
        if request is None:
            return False
        return any(
            signing.check(request, secret=k.secret, method="POST", path=path, body=body, now=time.time())
            is None
            for k in self.keys.ours
        )

    def _delay(self) -> float:
        b = self.behaviour
        return self._random.uniform(b.min_delay, b.max_delay)

    def _plan(self, ref: str) -> dict[str, Any]:
        due = time.time() + self._delay()
        steps: list[dict[str, Any]] = []
        if self._random.random() < self.behaviour.reject_rate:
            steps.append({"step": "ack", "due": due, "body": {"accepted": False, "reason": "no free crew"}})
        else:
            steps.append({"step": "ack", "due": due, "body": {"accepted": True}})
            units = [f"{self.agency}-{self._random.randint(1, 99):02d}"]
            for status in ("dispatched", "on_scene", "closed"):
                due += self._delay()
                steps.append({"step": "status", "due": due, "body": {"status": status, "units": units}})
        for step in steps:  # the agency's own time of each step, fixed once: a re-send carries the same
            step["body"]["at"] = datetime.fromtimestamp(step["due"], UTC).isoformat()
        return {"steps": steps, "next": 0}

    def receive(self, ref: str, event_id: str, kind: str = REQUEST, document: Any = None) -> None:
        """A message of Kuzet's: a request is planned once; a cancel drops what is still planned."""
        tracking = ""
        if isinstance(document, dict):
            tracking = str(document.get("$id") or document.get("ref") or "")
        with self._lock:
            self.received.append(
                {
                    "ref": ref,
                    "event_id": event_id,
                    "kind": kind,
                    "tracking_id": tracking,
                    "received_at": f"{time.time():.6f}",
                }
            )
            self.documents.append({"ref": ref, "event_id": event_id, "kind": kind, "document": document})
            if kind == CANCEL:
                plan = self.plans.setdefault(ref, {"steps": [], "next": 0})
                plan["cancelled"] = True
                plan["next"] = len(plan["steps"])  # the steps not yet sent are never sent
                self._save()
                return
            if kind != REQUEST or self.silent or ref in self.plans:
                return
            self.plans[ref] = self._plan(ref)
            self._save()

    def receive_cap(self, event_id: str, body: bytes) -> str:
        """A public alert of Kuzet's (CAP): read as any agency would (defusedxml, the XSD) and recorded;
        nothing is planned for it. Returns its identifier; raises ValueError if it is not valid CAP."""
        alert = parse_cap(body)
        with self._lock:
            self.received.append(
                {
                    "ref": alert.identifier,
                    "event_id": event_id,
                    "kind": CAP_KIND,
                    "tracking_id": alert.identifier,
                    "received_at": f"{time.time():.6f}",
                }
            )
            self.documents.append(
                {"ref": alert.identifier, "event_id": event_id, "kind": CAP_KIND, "document": body.decode()}
            )
        return alert.identifier

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.documents)

    # answering
    def _post(self, path: str, body: bytes, **extra: str) -> httpx.Response | None:
        """POST to Kuzet, signed with the agency's own key (None when Kuzet could not be reached)."""
        key = self.keys.theirs
        headers = signing.signed_headers(
            key_id=key.key_id,
            secret=key.secret,
            method="POST",
            path=urlsplit(self.kuzet_url + path).path,
            body=body,
            timestamp=int(time.time()),
            nonce=secrets.token_hex(12),
        )
        headers.update({"Content-Type": "application/json", **extra})
        try:
            return self._client.post(self.kuzet_url + path, content=body, headers=headers)
        except httpx.HTTPError:
            return None

    def _send(self, ref: str, step: dict[str, Any]) -> int | None:
        sent = self._post(ANSWER_PATH.format(ref=ref, step=step["step"]), json.dumps(step["body"]).encode())
        return None if sent is None else sent.status_code

    def beat(self) -> int | None:
        """Tell Kuzet the link is alive (signed like the answers)."""
        sent = self._post(HEARTBEAT_PATH, json.dumps({"sent_at": datetime.now(UTC).isoformat()}).encode())
        return None if sent is None else sent.status_code

    # transferring calls to the police
    def transfer(self) -> None:
        """Start a transfer when one is due; send the one pending (again, with the same key and body, after
        no answer, a 5xx or a 401: a new nonce each time). Any other answer ends it."""
        t, now = self.transfers, time.time()
        if t is None or (
            self._pending is None and (0 < t.count <= len(self.transfers_sent) or now < self._next)
        ):
            return
        if self._pending is None:
            self._next, self._pending = now + t.every, {**t.make(self._transfer_random), "statuses": []}
            with self._lock:
                self.transfers_sent.append(self._pending)
        pending = self._pending
        if now < pending.get("due", 0.0):
            return
        sent = self._post(TRANSFER_PATH, pending["body"], **{"Idempotency-Key": pending["key"]})
        status = None if sent is None else sent.status_code
        with self._lock:
            pending["statuses"].append(status)
            if sent is not None and sent.status_code != 401 and sent.status_code < 500:
                pending["answer"], self._pending = sent.text, None
                return
        if status == 401 and self._reload_keys is not None:
            self.keys = self._reload_keys()
        pending["due"] = time.time() + RETRY_SECONDS

    def transfers_view(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{k: v for k, v in t.items() if k != "body"} for t in self.transfers_sent]

    def tick(self) -> None:
        """Send every answer that is due, oldest plan first; one step per hand-over at a time, in order.
        A heartbeat goes every few seconds; a silent agency sends neither (its link goes down)."""
        if self.silent or self._stop.is_set():
            return
        if self.heartbeat_every > 0 and time.time() >= self._next_beat:
            self._next_beat = time.time() + self.heartbeat_every
            self.beat()
        self.transfer()
        with self._lock:
            due = [
                (ref, plan["next"], plan["steps"][plan["next"]])
                for ref, plan in self.plans.items()
                if not plan.get("cancelled")
                and plan["next"] < len(plan["steps"])
                and plan["steps"][plan["next"]]["due"] <= time.time()
            ]
        # Different hand-overs' answers go out side by side, as an agency's several operators would send
        # them; each hand-over still has one step in flight, so its own answers keep their order.
        statuses = list(self._senders.map(lambda item: self._send(item[0], item[2]), due))
        for (ref, index, step), status in zip(due, statuses, strict=True):
            with self._lock:
                self.answers.append({"ref": ref, "step": step["step"], "status": status})
                plan = self.plans[ref]
                if plan.get("cancelled"):  # cancelled while this step was in flight: nothing more is sent
                    continue
                if status is not None and (200 <= status < 300 or status in (404, 409, 422)):
                    if status >= 300:
                        log.warning("kuzet refused an answer", extra={"ref": ref, "status": status})
                    plan["next"] = index + 1
                else:
                    if status == 401 and self._reload_keys is not None:
                        self.keys = self._reload_keys()
                    plan["steps"][index]["due"] = time.time() + RETRY_SECONDS
                self._save()

    def run(self, interval: float = 0.05) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("agency simulator pass failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()
        self._senders.shutdown(wait=False, cancel_futures=True)


def make_server(sim: Simulator, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any = None) -> None:
            data = json.dumps(body if body is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > BODY_MAX:
                self._answer(413)
                return
            body = self.rfile.read(length)
            if self.path == "/control/silent":
                sim.silent = bool(json.loads(body or b"{}").get("silent", True))
                self._answer(200, {"silent": sim.silent})
                return
            if urlsplit(self.path).path != HANDOVER_PATH:
                self._answer(404)
                return
            if not sim.verify(self.headers, self.path, body):
                self._answer(401, {"error": "bad signature"})
                return
            if self.headers.get(KIND_HEADER) == CAP_KIND:
                try:
                    identifier = sim.receive_cap(self.headers.get("X-Kuzet-Event-Id", ""), body)
                except ValueError as exc:
                    self._answer(422, {"error": str(exc)[:300]})
                    return
                self._answer(200, {"received": identifier, "kind": CAP_KIND})
                return
            ref = self.headers.get("X-Kuzet-Handover", "")
            if not ref:
                self._answer(422, {"error": "no hand-over reference"})
                return
            try:
                document = json.loads(body or b"null")
            except ValueError:
                self._answer(422, {"error": "not JSON"})
                return
            kind = self.headers.get(KIND_HEADER, REQUEST)
            if kind not in (REQUEST, UPDATE, CANCEL):
                self._answer(422, {"error": "unknown message kind"})
                return
            sim.receive(ref, self.headers.get("X-Kuzet-Event-Id", ""), kind, document)
            self._answer(200, {"received": ref, "kind": kind})

        def do_GET(self) -> None:
            if self.path == "/control/received":
                self._answer(
                    200, {"received": list(sim.received), "answers": list(sim.answers), "silent": sim.silent}
                )
            elif self.path == "/control/messages":
                self._answer(200, {"messages": sim.messages()})
            elif self.path == "/control/transfers":
                self._answer(200, {"transfers": sim.transfers_view()})
            else:
                self._answer(404)

        def log_message(self, *args: object) -> None:
            return

    return ThreadingHTTPServer((host, port), Handler)
