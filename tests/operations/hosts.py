"""Kuzet hosts for the operations tests: real `kuzet serve` processes, each with its own data folder (as if
on its own machine), sharing one database; the database's first accounts and partner; a console reading the
live feed; a partner's webhook receiver that counts deliveries."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Role
from kuzet.partners import service as partners
from kuzet.partners.client import PartnerClient
from kuzet.partners.domain import ALL_SCOPES, Partner
from tests.conftest import PASSWORD, add_user
from tests.operations.pgcluster import free_port
from tests.ops import PLAZA
from tests.processes import start_serve, wait_for

SECRET_KEY = "test-secret-" + "h" * 40  # one key for every host: sessions and partner keys are shared
STAFF = {
    "taker": Role.CALL_TAKER,
    "disp": Role.DISPATCHER,
    "analyst": Role.ANALYST,
    "super": Role.SUPERVISOR,  # the hosts run without a second factor (KUZET_TOTP_REQUIRED_ROLES=[])
}


def status_of(url: str, timeout: float = 5) -> int | None:
    """The status of one GET, or None if the server does not answer."""
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


@dataclass
class Host:
    """One `kuzet serve` process with one worker and its own data folder."""

    name: str
    url: str
    data: Path
    process: subprocess.Popen[bytes]
    stderr: Path

    def records(self) -> list[dict[str, Any]]:
        lines = self.stderr.read_text(encoding="utf-8", errors="replace").splitlines()
        found = []
        for line in lines:
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found

    def ready(self) -> bool:
        return status_of(f"{self.url}/readyz") == 200

    def login(self, username: str) -> dict[str, str]:
        response = httpx.post(
            f"{self.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def settings_for(database_url: str, data: Path) -> Settings:
    return Settings(
        mode=Mode.TEST,
        database_url=database_url,
        secret_key=SECRET_KEY,
        data_dir=data,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )


def start_host(name: str, database_url: str, folder: Path, **env: str) -> Host:
    """Start `kuzet serve` (one worker) on a free port; it is not waited for (see `wait_ready`)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    extra = {
        # Polled seldom, so that a change is seen on another host within a second only if LISTEN/NOTIFY
        # carried it there.
        "KUZET_LIVE_POLL_SECONDS": "5",
        "KUZET_OUTBOX_BACKOFF_SECONDS": "0.2",
        "KUZET_TOTP_REQUIRED_ROLES": "[]",
        **{f"KUZET_{key.upper()}": value for key, value in env.items()},
    }
    process, stderr = start_serve(
        folder, database_url=database_url, secret_key=SECRET_KEY, port=port, workers=1, extra=extra
    )
    return Host(name, f"http://127.0.0.1:{port}", folder / "data", process, stderr)


@contextmanager
def running_hosts(database_url: str, folder: Path, count: int = 2, **env: str) -> Iterator[list[Host]]:
    """`count` hosts on the database, started together and ready; stopped afterwards."""
    with ExitStack() as stack:
        hosts = []
        for index in range(count):
            host = start_host(f"host-{'abcdefgh'[index]}", database_url, folder / f"host-{index}", **env)
            stack.callback(host.stop)
            hosts.append(host)
        for host in hosts:
            wait_for(f"{host.name} is ready", host.ready, timeout=90, every=0.2)
        yield hosts


@dataclass
class Seeded:
    partner_key_id: str
    partner_secret: str

    def partner(self, host: Host) -> PartnerClient:
        return PartnerClient(host.url, key_id=self.partner_key_id, secret=self.partner_secret)


def seed(database_url: str, folder: Path, *, webhook: str | None) -> Seeded:
    """Migrate the empty database; add a call-taker, a dispatcher and the partner «kaspi» (with `webhook`)."""
    migrate.upgrade(database_url)
    services = Services.build(settings_for(database_url, folder / "seed"))
    try:
        now, by = services.clock.now(), Actor.system("test")
        for username, role in STAFF.items():
            add_user(services, username, role, None if role in {Role.ANALYST, Role.SUPERVISOR} else "central")
        kaspi = Partner("kaspi", "Kaspi", True, webhook, ALL_SCOPES, 100_000, {})
        issued = partners.create(services.uow(), services.auth.box, partner=kaspi, by=by, at=now)
    finally:
        services.close()
    return Seeded(issued.key.key_id, issued.key.secret)


def citizen_appeal(text: str) -> dict[str, Any]:
    return {
        "citizen": {"phone": "+77011234567", "name": "Айгерим Садыкова"},
        "text": text,
        "category": "theft",
        "location": {"lat": PLAZA[0], "lon": PLAZA[1], "accuracy_m": 15},
    }


def call_102(host: Host, headers: dict[str, str], text: str, *, language: str = "ru") -> httpx.Response:
    body = {
        "caller_phone": "+77011234567",
        "caller_name": "Серик Ахметов",
        "text": text,
        "category_code": "fight",
        "lat": PLAZA[0],
        "lon": PLAZA[1],
        "address": "Plaça del Poble",
    }
    headers = {**headers, "Accept-Language": language}
    return httpx.post(f"{host.url}/api/v1/appeals", json=body, headers=headers, timeout=15)


@dataclass
class Console:
    """A console following the live feed of one host: every event with the moment it arrived."""

    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    opened: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def first(self, match: Callable[[str, dict[str, Any]], bool], timeout: float) -> float | None:
        """The arrival moment (time.monotonic) of the first matching event, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, kind, data in list(self.events):
                if match(kind, data):
                    return at
            time.sleep(0.01)
        return None


@contextmanager
def following(host: Host, headers: dict[str, str]) -> Iterator[Console]:
    """Follow the host's live feed from its current head in a thread, reconnecting if the stream ends."""
    console = Console()
    head = httpx.get(f"{host.url}/api/v1/live/head", headers=headers, timeout=10).json()["seq"]
    last = {"seq": int(head)}

    def read() -> None:
        while not console.stop.is_set():
            try:
                with httpx.stream(
                    "GET",
                    f"{host.url}/api/v1/live",
                    params={"after": last["seq"]},
                    headers={**headers, "Accept": "text/event-stream"},
                    timeout=httpx.Timeout(10, read=None),
                ) as stream:
                    console.opened.set()
                    kind, seq = "", None
                    for line in stream.iter_lines():
                        if console.stop.is_set():
                            return
                        if line.startswith("id: "):
                            seq = int(line[4:])
                        elif line.startswith("event: "):
                            kind = line[7:]
                        elif line.startswith("data: "):
                            console.events.append((time.monotonic(), kind, json.loads(line[6:])))
                            if seq is not None:
                                last["seq"] = seq
            except httpx.HTTPError:
                pass
            console.stop.wait(0.2)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    console.opened.wait(10)
    try:
        yield console
    finally:
        console.stop.set()


@dataclass
class Receiver:
    """A partner's webhook endpoint on loopback: every delivery's event id and body, in arrival order."""

    url: str = ""
    deliveries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set to the hosts' process ids to learn which one delivered each message (in `senders`).
    watch: list[int] = field(default_factory=list)
    senders: list[int | None] = field(default_factory=list)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # connections kept open: one handler (and one look-up) per connection
        sender: int | None = None

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            for _ in range(5 if state.watch and self.sender is None else 0):
                # /proc/net/tcp is not read atomically: look again if the connection was missed
                if (found := process_of_peer(self.client_address[1], state.watch)) is not None:
                    self.sender = found
                    break
            sender = self.sender
            with state.lock:
                state.deliveries.append((self.headers.get("X-Kuzet-Event-Id", ""), body))
                state.senders.append(sender)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kuzet"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def process_of_peer(peer_port: int, pids: list[int]) -> int | None:
    """Which of the processes holds the loopback TCP connection whose local port is `peer_port` (read from
    /proc: the receiver learns which host's relay is calling without the relay saying so)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with Path(table).open(encoding="ascii") as rows:
            for row in list(rows)[1:]:
                columns = row.split()
                # A closed connection's row (TIME_WAIT) may hold the same port, with no socket (inode 0).
                if int(columns[1].rsplit(":", 1)[1], 16) == peer_port and columns[9] != "0":
                    inode = columns[9]
                    break
        if inode is not None:
            break
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in descriptors:
            try:
                if str(fd.readlink()) == wanted:
                    return pid
            except OSError:  # closed meanwhile
                continue
    return None
