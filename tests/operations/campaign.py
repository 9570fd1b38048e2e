"""Parts of the crash campaign (issue 20, point 4): a partner's webhook that can hold its answer (so a relay
can be killed while a delivery is in flight), processes killed with SIGKILL and started again, a dispatcher
working the partners' incidents (so an appeal has several callbacks whose order matters), and the check
run after each blow: appeals, numbering, outbox deliveries and the audit chain."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from tests.conftest import KUZET_COMMAND, PASSWORD
from tests.operations.hosts import SECRET_KEY, Host, start_host, wait_for
from tests.operations.partner_load import Answer, PartnerLoad, appeal_text, is_clean_unavailable

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "operations" / "campaign.json"


@dataclass
class Webhook:
    """The partner's callback endpoint: every delivery (its X-Kuzet-Event-Id and body) in arrival order.
    While `hold` is above zero, each delivery is recorded at once but answered only that many seconds
    later, and `in_flight` is set: the sender is then mid-delivery."""

    url: str = ""
    deliveries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    hold: float = 0.0
    in_flight: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event_ids(self) -> list[str]:
        with self.lock:
            return [event for event, _ in self.deliveries]

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        with self.lock:
            return list(self.deliveries)


@contextmanager
def webhook() -> Iterator[Webhook]:
    state = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            with state.lock:
                state.deliveries.append((self.headers.get("X-Kuzet-Event-Id", ""), body))
            if state.hold > 0:
                state.in_flight.set()
                time.sleep(state.hold)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kuzet"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def kill9(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown code runs, as when the machine loses power."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def restart_host(host: Host, database_url: str, **env: str) -> Host:
    """Start the host again on its port and data folder (the partners' address does not change)."""
    port = host.url.rsplit(":", 1)[1]
    started = start_host(host.name, database_url, host.data.parent, **env, port=port)
    return replace(started, url=host.url)


def kuzet_env(database_url: str, data: Path, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "KUZET_MODE": "test",
        "KUZET_DATABASE_URL": database_url,
        "KUZET_SECRET_KEY": SECRET_KEY,
        "KUZET_DATA_DIR": str(data),
        "KUZET_LOG_LEVEL": "WARNING",
        **{f"KUZET_{key.upper()}": value for key, value in env.items()},
    }


def start_relay(database_url: str, folder: Path, **env: str) -> subprocess.Popen[bytes]:
    """`kuzet relay` as its own process."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "relay.log").open("ab") as sink:
        return subprocess.Popen(
            [KUZET_COMMAND, "relay"],
            env=kuzet_env(database_url, folder / "data", **env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            cwd=folder,
        )


def audit_verify(database_url: str, data: Path) -> str:
    """`kuzet audit verify` on the database, held against the host's checkpoints; its report."""
    done = subprocess.run(
        [KUZET_COMMAND, "audit", "verify"],
        env=kuzet_env(database_url, data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"audit verify failed: {done.stdout}{done.stderr}"
    return done.stdout.strip()


class Dispatcher:
    """Works the incidents of acknowledged partner appeals, one after another, through the host's API:
    a unit assigned, en route, on scene, cleared, the incident closed (four callbacks for the appeal).
    A step that fails (the server or the database is down) abandons that incident and its unit."""

    call_signs = itertools.count(1)  # shared by the phases' dispatchers: a call sign is taken once

    def __init__(self, host: Host, load: PartnerLoad, worked: set[int]) -> None:
        self.url = host.url
        self.load = load
        self.worked = worked  # appeal ids already taken up (across the campaign's phases)
        self.closed = 0
        self.errors: Counter[str] = Counter()  # what made it abandon an incident, by kind
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._headers: dict[str, dict[str, str]] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _login(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            answer = httpx.post(
                f"{self.url}/api/v1/auth/login",
                json={"username": username, "password": PASSWORD},
                timeout=10,
            )
            answer.raise_for_status()
            self._headers[username] = {"Authorization": f"Bearer {answer.json()['token']}"}
        return self._headers[username]

    def _ok(self, user: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = httpx.request(method, f"{self.url}{path}", json=body, headers=self._login(user), timeout=10)
        answer.raise_for_status()
        return answer.json()

    def _unit(self) -> int:
        unit = self._ok(
            "super",
            "POST",
            "/api/v1/units",
            {
                "call_sign": f"Беркут-{next(self.call_signs)}",
                "type": "patrol_car",
                "district": "central",
                "crew": [{"name": "Ерлан Сейтов", "badge": "0412"}],
            },
        )
        self._ok("super", "POST", f"/api/v1/units/{unit['id']}/shift", {"on_duty": True})
        return int(unit["id"])

    def _work(self, appeal_id: int, unit: int) -> None:
        incident = self._ok("disp", "GET", f"/api/v1/appeals/{appeal_id}")["incident_id"]
        a = self._ok("disp", "POST", f"/api/v1/incidents/{incident}/assignments", {"unit_id": unit})
        for step in ({"status": "en_route"}, {"status": "on_scene"}):
            self._ok("disp", "POST", f"/api/v1/assignments/{a['id']}/status", step)
        cleared = {"status": "cleared", "disposition": "warning_issued"}
        self._ok("disp", "POST", f"/api/v1/assignments/{a['id']}/status", cleared)
        self._ok("disp", "POST", f"/api/v1/incidents/{incident}/status", {"status": "closed"})

    def _run(self) -> None:
        unit: int | None = None
        while not self._stop.wait(0.1):
            waiting = sorted({i for ids in self.load.acknowledged().values() for i in ids} - self.worked)
            if not waiting:
                continue
            self.worked.add(waiting[0])
            try:
                unit = unit or self._unit()
                self._work(waiting[0], unit)
                self.closed += 1
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                said = exc.response if isinstance(exc, httpx.HTTPStatusError) else None
                self.errors[f"{said.status_code} {said.text[:120]}" if said else type(exc).__name__] += 1
                unit = None  # it may be left assigned: the next incident gets a new one
                self._headers.clear()
                self._stop.wait(1.0)


@dataclass
class Tally:
    """What every load of the campaign sent and was answered, key by key."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)

    def add(self, load: PartnerLoad) -> None:
        for key, answers in load.answers.items():
            self.answers.setdefault(key, []).extend(answers)


def _ok(answer: Answer) -> bool:
    return answer.status is not None and 200 <= answer.status < 300


def check(database_url: str, tally: Tally, hook: Webhook, data: Path, timeout: float = 60) -> dict[str, int]:
    """Every acknowledged appeal stored exactly once, each key settled to one appeal, numbers without a gap,
    every outbox message delivered in order per ordering key, the audit chain intact; the figures."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            appeals = connection.execute(text("SELECT id, number, text, channel FROM appeals")).all()
            incident_numbers = list(connection.execute(text("SELECT number FROM incidents")).scalars())
            counters = {
                (r.series, r.year): r.last
                for r in connection.execute(text("SELECT series, year, last FROM counters"))
            }
        outbox = wait_for("every outbox message delivered", lambda: _delivered(engine), timeout)
    finally:
        engine.dispose()

    # Appeals: each key answered with one id, stored once, under its own text; nothing stored unasked.
    stored = {row.id: row for row in appeals if row.channel == "partner_app"}
    texts = Counter(row.text for row in stored.values())
    ids: dict[str, set[int]] = {
        key: {int(a.body["id"]) for a in answers if _ok(a) and a.body}
        for key, answers in tally.answers.items()
    }
    unsettled = [key for key, found in ids.items() if not found]
    assert not unsettled, f"{len(unsettled)} keys never acknowledged"
    two = [key for key, found in ids.items() if len(found) != 1]
    lost = [key for key, found in ids.items() if not found <= set(stored)]
    duplicates = sum(n - 1 for n in texts.values() if n > 1)
    assert not two, f"keys answered with two appeals: {two[:3]}"
    assert not lost, f"acknowledged appeals lost: {lost[:3]}"
    assert duplicates == 0, f"{duplicates} appeals stored twice"
    mismatched = [key for key, found in ids.items() if stored[next(iter(found))].text != appeal_text(key)]
    assert not mismatched, mismatched[:3]
    assert len(stored) == len(ids), f"{len(stored)} partner appeals stored for {len(ids)} keys"

    # Numbering: in each series and year, 1 … n with the counter at n (appeals' and incidents' numbers).
    serials: dict[tuple[str, int], list[int]] = defaultdict(list)
    for number in [row.number for row in appeals] + incident_numbers:
        series, year, serial = re.fullmatch(r"(.+)-(\d{4})-(\d+)", number).groups()  # type: ignore[union-attr]
        serials[(series, int(year))].append(int(serial))
    gaps = sum(len(set(range(1, max(numbers) + 1)) - set(numbers)) for numbers in serials.values())
    assert gaps == 0, f"{gaps} numbers missing in {sorted(serials)}"
    assert all(len(set(numbers)) == len(numbers) for numbers in serials.values()), "a number issued twice"
    assert counters == {series: len(numbers) for series, numbers in serials.items()}, "a counter is off"

    # Outbox: every message reached the webhook, nothing else did, and per ordering key in order.
    arrived = hook.event_ids()
    order = {event: index for index, (_, event, _) in enumerate(outbox)}
    key_of = {event: key for _, event, key in outbox}
    missing = set(order) - set(arrived)
    assert not missing, f"{len(missing)} outbox messages never delivered"
    strangers = set(arrived) - set(order)
    assert not strangers, f"deliveries of no outbox message: {list(strangers)[:3]}"
    latest: dict[str, int] = {}
    for event in arrived:  # a repeated message may come again, but never after a later one of its key
        key = key_of[event]
        assert order[event] >= latest.get(key, -1), f"a callback of {key} arrived out of order"
        latest[key] = order[event]
    bodies: dict[str, dict[str, Any]] = {}
    for event, body in hook.received():  # a repeat is the same message: the receiver may simply skip it
        assert bodies.setdefault(event, body) == body and body["event_id"] == event, f"{event} changed"
    audit = audit_verify(database_url, data)
    rows = re.search(r"(\d+) rows", audit)
    answers = [a for answers in tally.answers.values() for a in answers]
    # A request that failed got no answer (the server died under it) or a clean 503 problem, nothing else.
    unclean = [a for a in answers if not _ok(a) and a.status is not None and not is_clean_unavailable(a)]
    assert not unclean, [(a.status, a.body) for a in unclean[:3]]
    return {
        "appeals_acknowledged": sum(any(_ok(a) for a in answers) for answers in tally.answers.values()),
        "acknowledged_only_on_retry": sum(
            not _ok(answers[0]) and any(_ok(a) for a in answers) for answers in tally.answers.values()
        ),
        "requests": len(answers),
        "requests_failed": sum(not _ok(a) for a in answers),
        "requests_unanswered": sum(a.status is None for a in answers),
        "requests_503": sum(a.status == 503 for a in answers),
        "found": sum(texts[appeal_text(key)] == 1 for key in ids),
        "duplicates": duplicates,
        "lost": len(lost),
        "numbering_gaps": gaps,
        "numbered": sum(len(numbers) for numbers in serials.values()),
        "outbox_messages": len(outbox),
        "ordering_keys": len(set(key_of.values())),
        "deliveries": len(arrived),
        "redeliveries": len(arrived) - len(set(arrived)),
        "delivered_once_in_effect": len(set(arrived)),
        "audit_rows": int(rows.group(1)) if rows else 0,
    }


def _delivered(engine: Any) -> list[tuple[int, str, str]] | None:
    """The outbox's messages (id, event id, ordering key) in order, once none is left undelivered."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, event_id, ordering_key, delivered_at, dead_at FROM outbox ORDER BY id")
        ).all()
    assert not [r for r in rows if r.dead_at is not None], "an outbox message was given up"
    if any(r.delivered_at is None for r in rows):
        return None
    return [(r.id, r.event_id, r.ordering_key) for r in rows]


def report(name: str, counts: dict[str, Any]) -> None:
    """Print the one-line summary and keep the counts in test-output/operations/campaign.json."""
    line = ", ".join(f"{key}={value}" for key, value in counts.items() if not isinstance(value, list))
    print(f"\ncrash campaign [{name}]: {line}")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(OUTPUT.read_text(encoding="utf-8")) if OUTPUT.exists() else {}
    kept[name] = counts
    OUTPUT.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
