"""Test fixtures: a fresh database (SQLite, or PostgreSQL with KUZET_TEST_BACKEND=postgresql) for the run,
emptied before each test, and a real uvicorn server on a loopback port for the integration tests."""

from __future__ import annotations

import functools
import os
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, insert, make_url, text

from kuzet.app import create_app
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import GENESIS_HASH
from kuzet.core.audit.store import HEAD_ID, audit_head
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Role, User
from kuzet.core.events import EventBus
from kuzet.incidents.catalogue import shipped_categories
from kuzet.incidents.store import categories, category_values
from kuzet.schema import metadata
from kuzet.wiring import wire
from tests.processes import KUZET_COMMAND, kuzet_env

BACKEND = os.environ.get("KUZET_TEST_BACKEND", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get(
    "KUZET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "Correct-horse-42"
# A new account as an administrator would send it, with personal data that must not leak into logs or audit.
NEW_USER = {
    "username": "newcomer",
    "password": "Fresh-Password-77",
    "role": "dispatcher",
    "district": "central",
    "full_name": "Айгерим Садыкова",
    "phone": "+77017654321",
}


def pytest_report_header() -> str:
    return f"kuzet database backend: {BACKEND}"


@contextmanager
def scratch_database(folder: Path) -> Iterator[str]:
    """A new, empty database on the run's back end; dropped afterwards (a file in `folder` for SQLite)."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{folder / f'kuzet-{secrets.token_hex(4)}.db'}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"unknown KUZET_TEST_BACKEND={BACKEND}")
    name = f"kuzet_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's own fresh database."""
    with scratch_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    migrate.upgrade(database_url)
    return Settings(
        mode=Mode.TEST,
        database_url=database_url,
        secret_key="test-secret-" + "x" * 40,
        data_dir=Path(tmp_path_factory.mktemp("data")),
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        log_json=True,
    )


@pytest.fixture(scope="session")
def session_services(settings: Settings) -> Iterator[Services]:
    services = Services.build(settings)
    yield services
    services.close()


def empty_database(services: Services) -> None:
    with services.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(insert(audit_head).values(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH))
        connection.execute(insert(categories), [category_values(c) for c in shipped_categories()])


@pytest.fixture
def services(session_services: Services) -> Services:
    """The shared services over a database emptied for this test, with no event listeners left over."""
    empty_database(session_services)
    session_services.geo.forget_districts()  # an earlier test's district map is gone with its rows
    session_services.bus = EventBus()
    wire(session_services.bus)
    return session_services


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    services: Services

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def running_server(app: FastAPI, *, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """Serve the app with uvicorn on a free loopback port in a background thread; yield its base URL.

    With lifespan "on", the app's background tasks (relay, MQTT subscriber) run as in `kuzet serve`."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, lifespan=lifespan, timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(session_services: Services) -> Iterator[LiveServer]:
    """The real app on a loopback port, shared by the whole run."""
    with running_server(create_app(session_services.settings, services=session_services)) as url:
        yield LiveServer(url, session_services)


@pytest.fixture
def server(live_server: LiveServer, services: Services) -> LiveServer:
    """The live server, over a database emptied for this test."""
    return live_server


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


MakeUser = Callable[..., User]


def add_user(
    services: Services,
    username: str,
    role: Role = Role.DISPATCHER,
    district: str | None = "central",
    *,
    full_name: str = "Серик Ахметов",
    phone: str | None = "+77011234567",
    password: str = PASSWORD,
) -> User:
    """Create an account through the service, as the system actor «test»."""
    return accounts.create_user(
        services.uow(),
        services.auth,
        username=username,
        password=password,
        role=role,
        district=district,
        full_name=full_name,
        phone=phone,
        by=Actor.system("test"),
        at=services.clock.now(),
    )


@pytest.fixture
def make_user(services: Services) -> MakeUser:
    return functools.partial(add_user, services)


def login(client: httpx.Client, username: str, password: str = PASSWORD, code: str | None = None) -> str:
    body = {"username": username, "password": password}
    if code:
        body["totp_code"] = code
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def run_cli(
    services: Services, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `kuzet` command against the test database, as an operator would."""
    s = services.settings
    env = kuzet_env(
        s,
        {
            "KUZET_ARGON2_TIME_COST": str(s.argon2_time_cost),
            "KUZET_ARGON2_MEMORY_KIB": str(s.argon2_memory_kib),
            "KUZET_LOG_LEVEL": "WARNING",
            "COLUMNS": "200",
            **(extra_env or {}),
        },
    )
    return subprocess.run(
        [KUZET_COMMAND, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


# Fixtures of a working operations centre (staff desks, calls, units); the shared_reference marker's handling;
# the browser tests in the SQLite run only.
pytest_plugins = [
    "tests.ops",
    "tests.partners.fixtures",
    "tests.roads",
    "tests.console.browser",
    "tests.shared_reference",
    "tests.browser_once",
]
