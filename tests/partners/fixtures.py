"""A partner app and its webhook receiver, both real: the app signs over HTTP; the receiver serves HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.outbox import Relay
from kuzet.partners import service, signing
from kuzet.partners.callbacks import PartnerSender
from kuzet.partners.client import PartnerClient
from kuzet.partners.domain import ALL_SCOPES, Partner
from tests.conftest import LiveServer
from tests.ops import PLAZA


@dataclass
class Receiver:
    """A partner's webhook endpoint. `status` is what it answers; `hold` makes it wait before answering."""

    url: str
    status: int = 200
    hold: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    tries: int = 0

    def accepted(self) -> list[dict[str, Any]]:
        return list(self.received)

    def wait_for(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.accepted()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.tries += 1
            if state.hold:
                time.sleep(state.hold)
            status = state.status
            if 200 <= status < 300:
                state.received.append(json.loads(body))
                state.headers.append(dict(self.headers.items()) | {"_body": body.decode()})
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{http.server_address[1]}/hooks/kuzet"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield state
    http.shutdown()


@dataclass
class App:
    """A partner app as the gateway sees it."""

    code: str
    key_id: str
    secret: str
    client: PartnerClient

    def appeal(self, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "citizen": {"phone": "+77011234567", "name": "Айгерим Садыкова"},
            "text": "Украли велосипед у подъезда",
            "category": "theft",
            "location": {"lat": PLAZA[0], "lon": PLAZA[1], "accuracy_m": 15},
        }
        body.update(changes)
        return body


def register_partner(
    services: Services, server: LiveServer, code: str, webhook: str | None, rate_limit: int = 600
) -> App:
    partner = Partner(code, code.title(), True, webhook, ALL_SCOPES, rate_limit, {"kaspi_theft": "theft"})
    issued = service.create(
        services.uow(), services.auth.box, partner=partner, by=Actor.system("test"), at=services.clock.now()
    )
    client = PartnerClient(server.url, key_id=issued.key.key_id, secret=issued.key.secret)
    return App(code, issued.key.key_id, issued.key.secret, client)


@pytest.fixture
def kaspi(server: LiveServer, services: Services, receiver: Receiver) -> Iterator[App]:
    app = register_partner(services, server, "kaspi", receiver.url)
    yield app
    app.client.close()


@pytest.fixture
def halyk(server: LiveServer, services: Services) -> Iterator[App]:
    app = register_partner(services, server, "halyk", None)
    yield app
    app.client.close()


@pytest.fixture
def relay(services: Services) -> Iterator[Relay]:
    """The outbox relay, quick to retry, running in the background."""
    running = Relay(
        services.session_factory,
        services.clock,
        {"partner": PartnerSender(services.session_factory, services.auth.box, services.clock)},
        lease=timedelta(seconds=2),
        backoff_base=0.05,
    )
    thread = running.start(interval=0.05)
    yield running
    running.stop()
    thread.join(timeout=15)  # no pass of this relay may run into the next test


def verify_callback(headers: dict[str, str], secret: str, path: str = "/hooks/kuzet") -> bool:
    request = signing.SignedRequest.from_headers(headers)
    assert request is not None
    return (
        signing.check(
            request, secret=secret, method="POST", path=path, body=headers["_body"].encode(), now=time.time()
        )
        is None
    )
