"""The load test's people on the wire: sessions that time their calls, consoles that follow the live feed, and
the tracker that times a change from its HTTP answer to its event on every console that should hear of it.

Everything runs on one asyncio event loop, so the shared counters need no locks. Times are
`time.perf_counter()` seconds. An error is named by what was being done and how it failed
(`recommendation: HTTP 500`, `intake_102: timeout`, `feed: missed`), and counted, never retried in silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from kuzet.demo.access import Account
from kuzet.operations.loadtest_report import Recorder

FEED_KINDS: Final = frozenset({"appeal", "assignment"})  # the changes whose feed latency is measured


TIMEOUT: Final = httpx.Timeout(15.0, read=60.0)
# Each person has a client of their own, as each console is a browser of its own: httpcore's pool looks at
# every connection it holds for each request, so one big shared pool costs the generator more than the server.
# An idle connection is dropped after 2 s, before the server's keep-alive (uvicorn: 5 s) closes it under a
# request just sent (a ReadError that would be the client's doing, not the server's).
PERSONAL_LIMITS: Final = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=2.0)


@dataclass
class Target:
    """A host under test, with the clients opened to it (the partner apps share `client`)."""

    index: int
    url: str
    client: httpx.AsyncClient = field(init=False)
    opened: list[httpx.AsyncClient] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = self.new_client()

    def new_client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.url, timeout=TIMEOUT, limits=PERSONAL_LIMITS)
        self.opened.append(client)
        return client

    async def close(self) -> None:
        for client in self.opened:
            await client.aclose()


class Session:
    """One account logged in on one target."""

    def __init__(self, target: Target, login: Account, recorder: Recorder) -> None:
        self.target = target
        self.login = login
        self.recorder = recorder
        self.client = target.new_client()
        self.token = ""

    @property
    def district(self) -> str:
        return self.login.district

    async def open(self) -> None:
        body = {"username": self.login.username, "password": self.login.password}
        response = await self.client.post("/api/v1/auth/login", json=body)
        if response.status_code != 200:
            raise RuntimeError(f"{self.target.url}: login of {self.login.username}: {response.status_code}")
        self.token = str(response.json()["token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "ru"}

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
        refusals: frozenset[int] = frozenset(),
    ) -> tuple[Any, float] | None:
        """The answer's JSON and the time it came; None after an error (counted). A status in `refusals` is
        an expected refusal: counted as an outcome, not an error."""
        return await timed(
            self.recorder,
            kind,
            self.client.request(method, path, json=body, params=params, headers=self.headers),
            refusals=refusals,
        )


async def timed(
    recorder: Recorder, kind: str, request: Any, *, refusals: frozenset[int] = frozenset()
) -> tuple[Any, float] | None:
    """Await the request, time it under `kind`, and sort a failure into the errors (or `refusals`)."""
    recorder.request(kind)
    began = time.perf_counter()
    try:
        response: httpx.Response = await request
    except httpx.TimeoutException:
        recorder.error(f"{kind}: timeout")
        return None
    except httpx.TransportError as exc:
        recorder.error(f"{kind}: {type(exc).__name__}")
        return None
    done = time.perf_counter()
    if response.status_code in refusals:
        recorder.outcome(f"{kind}: refused {response.status_code}")
        return None
    if response.status_code >= 400:
        recorder.error(f"{kind}: HTTP {response.status_code}{_codes(response)}")
        return None
    recorder.latency(kind, done - began)
    return (response.json() if response.content else None), done


def _codes(response: httpx.Response) -> str:
    """The codes a problem+json answer gives its field errors (` implausible_jump`), or nothing."""
    try:
        errors = response.json().get("errors") or []
        codes = sorted({str(e.get("code")) for e in errors if isinstance(e, dict)})
    except (ValueError, AttributeError):
        return ""
    return f" {','.join(codes)}" if codes else ""


@dataclass
class Expected:
    at: float
    district: str
    target: int
    heard: set[int] = field(default_factory=set)  # consoles that heard of it


class FeedTracker:
    """Matches each change's HTTP answer with its event on each console of its district."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.consoles: defaultdict[str, dict[int, int]] = defaultdict(dict)  # district → console → target
        self.expected: dict[Hashable, Expected] = {}
        self.early: defaultdict[Hashable, dict[int, float]] = defaultdict(dict)  # heard before the answer

    def expect(self, key: Hashable, district: str, target: int, at: float) -> None:
        entry = Expected(at, district, target)
        self.expected[key] = entry
        for console, heard_at in self.early.pop(key, {}).items():
            self._heard(key, entry, console, heard_at)

    def heard(self, key: Hashable, console: int, at: float) -> None:
        entry = self.expected.get(key)
        if entry is None:
            self.early[key][console] = at
        else:
            self._heard(key, entry, console, at)

    def _heard(self, key: Hashable, entry: Expected, console: int, at: float) -> None:
        if console in entry.heard:
            return
        entry.heard.add(console)
        latency = at - entry.at
        if latency < 0:  # the event overtook the answer on its way back: no delay to speak of
            self.recorder.outcome("feed: event before the answer")
            latency = 0.0
        other = self.consoles[entry.district].get(console) != entry.target
        self.recorder.latency("feed", latency)
        self.recorder.latency("feed_other_host" if other else "feed_same_host", latency)
        if len(entry.heard) >= len(self.consoles[entry.district]):
            del self.expected[key]

    def finish(self) -> None:
        """Count every console that never heard of a change it should have."""
        for entry in self.expected.values():
            missed = len(self.consoles[entry.district]) - len(entry.heard)
            for _ in range(missed):
                self.recorder.error("feed: missed")
        self.expected.clear()
        self.early.clear()


def feed_key(kind: str, data: dict[str, Any]) -> Hashable | None:
    if kind == "appeal":
        return ("appeal", data.get("appeal_id"))
    if kind == "assignment":
        return ("assignment", data.get("assignment_id"), data.get("status"))
    return None


class Console:
    """A dispatcher's console on one target: it reads the live feed from the head, reconnecting after a
    break with the last number it saw, and tells the tracker (and whoever listens) of each event."""

    def __init__(
        self,
        number: int,
        session: Session,
        tracker: FeedTracker,
        on_event: Callable[[Console, str, dict[str, Any]], None],
    ) -> None:
        self.number = number
        self.session = session
        self.tracker = tracker
        self.on_event = on_event
        self.connected = asyncio.Event()
        self.last_id: int | None = None
        self.events = 0
        tracker.consoles[session.district][number] = session.target.index

    async def run(self, stop: asyncio.Event) -> None:
        recorder = self.session.recorder
        client = self.session.client
        while not stop.is_set():
            try:
                if self.last_id is None:
                    head = await client.get("/api/v1/live/head", headers=self.session.headers)
                    head.raise_for_status()
                    self.last_id = int(head.json()["seq"])
                headers = {**self.session.headers, "Accept": "text/event-stream"}
                params = {"after": self.last_id}
                async with client.stream("GET", "/api/v1/live", params=params, headers=headers) as response:
                    if response.status_code != 200:
                        recorder.error(f"feed: HTTP {response.status_code}")
                        await asyncio.sleep(1.0)
                        continue
                    await self._read(response)
            except (httpx.HTTPError, ValueError) as exc:
                if stop.is_set():
                    return
                recorder.error(f"feed: {type(exc).__name__}")
                await asyncio.sleep(0.5)

    async def _read(self, response: httpx.Response) -> None:
        kind, seq = "message", None
        async for line in response.aiter_lines():
            if line.startswith(": connected"):
                self.connected.set()
            elif line.startswith("id:"):
                seq = int(line[3:].strip())
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                at = time.perf_counter()
                data = json.loads(line[5:])
                self.events += 1
                if seq is not None:
                    self.last_id = seq
                if kind == "reset":
                    self.last_id = int(data["head"])
                key = feed_key(kind, data) if kind in FEED_KINDS else None
                if key is not None:
                    self.tracker.heard(key, self.number, at)
                self.on_event(self, kind, data)
            elif not line:
                kind, seq = "message", None


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, cut short when the run is ending (the people then hurry to finish what they started)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max(0.0, seconds))
