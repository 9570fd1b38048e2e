"""Text no database can hold (NUL, lone surrogates) is refused as 422 or 404 problem+json on every API, and
nothing of the request is kept; a server error answers once, logs once and leaves the connection usable."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kuzet.app import create_app
from kuzet.appeals.store import appeals
from kuzet.container import Services
from tests.conftest import LiveServer, running_server
from tests.ops import Centre
from tests.partners.fixtures import App

NUL = "\x00"
SURROGATE = "\ud800"


def raw_json(body: dict[str, Any]) -> bytes:
    """The body as a client would send it: JSON with \\u escapes (json.dumps writes NUL and surrogates so)."""
    return json.dumps(body).encode()


def refused_fields(response: httpx.Response, status: int = 422) -> set[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {error["field"] for error in response.json().get("errors", [])}


def appeal_count(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(appeals)).scalar_one())


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_login_with_unstorable_username_is_422(http: httpx.Client, bad: str) -> None:
    response = http.post(
        "/api/v1/auth/login",
        content=raw_json({"username": f"disp{bad}1", "password": "x" * 12}),
        headers={"Content-Type": "application/json"},
    )
    assert refused_fields(response) == {"username"}


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_call_with_unstorable_text_names_each_field_and_keeps_nothing(
    centre: Centre, services: Services, bad: str
) -> None:
    body = {
        "caller_phone": "+77011234567",
        "caller_name": f"Серик{bad}",
        "text": f"Драка{bad}",
        "category_code": "fight",
        "lat": 42.5063,
        "lon": 1.5218,
        "address": f"Plaça{bad} del Poble",
    }
    response = centre.call_taker.http.post(
        "/api/v1/appeals",
        content=raw_json(body),
        headers={**centre.call_taker.headers, "Content-Type": "application/json"},
    )
    assert refused_fields(response) == {"caller_name", "text", "address"}
    assert appeal_count(services) == 0


def test_partner_appeal_with_nul_is_422_and_keeps_nothing(kaspi: App, services: Services) -> None:
    appeal = kaspi.appeal(text=f"Украли{NUL}", citizen={"phone": "+77011234567", "name": f"Ай{NUL}"})
    response = kaspi.client.send_appeal(appeal, idempotency_key="nul-1")
    assert refused_fields(response) == {"text", "citizen.name"}
    assert appeal_count(services) == 0


def test_a_nul_in_a_query_is_422_naming_the_parameter(centre: Centre) -> None:
    response = centre.dispatcher.get("/api/v1/geo/search", q=f"Plaça{NUL}")
    assert refused_fields(response) == {"q"}


def test_a_nul_in_a_path_is_404(centre: Centre) -> None:
    response = centre.dispatcher.http.get("/api/v1/media/abc%00def", headers=centre.dispatcher.headers)
    refused_fields(response, 404)


def test_an_escaped_backslash_is_ordinary_text(centre: Centre) -> None:
    """`\\\\u0000` in JSON is a backslash followed by "u0000": plain text, kept as typed."""
    registration = centre.call_taker.call(text="код \\u0000 на двери")
    incident_id = registration["incident"]["id"]
    incident = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))
    assert "\\u0000" in json.dumps(incident, ensure_ascii=False)


def _raise() -> None:
    raise RuntimeError("a bug in a handler")


def _two_requests_on_one_connection(url: str, path: str) -> list[bytes]:
    """Sends GET `path` and then GET /healthz on the same TCP connection; returns both status lines."""
    host, port = url.removeprefix("http://").split(":")
    lines = []
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = sock.makefile("rb")
        for target in (path, "/healthz"):
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            lines.append(reader.readline().strip())
            length = 0
            while (header := reader.readline().strip()) != b"":
                name, _, value = header.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            reader.read(length)
    return lines


def test_a_server_error_is_one_problem_one_record_and_the_connection_stays(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(server.services.settings, services=server.services)
    app.add_api_route("/api/v1/test/boom", _raise, methods=["GET"])  # added after the start-up checks
    with running_server(app) as url, caplog.at_level(logging.ERROR):
        caplog.clear()
        statuses = _two_requests_on_one_connection(url, "/api/v1/test/boom")
    assert statuses == [b"HTTP/1.1 500 Internal Server Error", b"HTTP/1.1 200 OK"]
    tracebacks = [r for r in caplog.records if r.exc_info is not None]
    assert len(tracebacks) == 1
    assert tracebacks[0].getMessage() == "unhandled error"
