"""/healthz, /readyz and /metrics over real HTTP, and JSON logs without personal data."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import httpx

from kuzet.app import create_app
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.logging import configure_logging
from tests.conftest import NEW_USER, MakeUser, running_server
from tests.core.auth.helpers import logged_in


def test_healthz(http: httpx.Client) -> None:
    assert http.get("/healthz").json()["status"] == "ok"


def test_readyz_reports_database_and_migrations(http: httpx.Client) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"] is not None


def test_readyz_is_not_ready_on_an_unmigrated_database(services: Services, tmp_path: Path) -> None:
    settings = services.settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'empty.db'}"})
    with running_server(create_app(settings)) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["current"] is None


def test_openapi_is_published(http: httpx.Client) -> None:
    schema = http.get("/api/openapi.json").json()
    assert "/api/v1/auth/login" in schema["paths"]


def test_metrics_count_requests_per_route_template(http: httpx.Client) -> None:
    http.get("/api/v1/users/17")
    http.get("/api/v1/users/18")
    text = http.get("/metrics").text
    assert 'kuzet_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="401"}' in text
    assert "kuzet_http_request_duration_seconds_bucket" in text
    assert "/api/v1/users/17" not in text


def test_logs_are_json_and_hold_no_personal_data(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    stream = io.StringIO()
    previous = logging.getLogger().handlers[:], logging.getLogger().level
    configure_logging("INFO", stream=stream)
    try:
        _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
        http.post("/api/v1/users", json=NEW_USER, headers=admin)
        http.get("/api/v1/users", params={"iin": "900101300123", "phone": "+7 701 765 43 21"}, headers=admin)
        http.get("/api/v1/users", params={"q": "Садыкова"}, headers=admin)
        logging.getLogger("kuzet.test").info("caller 8 701 765 43 21 said", extra={"phone": "+77017654321"})
    finally:
        logging.getLogger().handlers, level = previous
        logging.getLogger().setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(line["logger"] == "uvicorn.access" and "/api/v1/users" in line["message"] for line in lines)
    text = stream.getvalue()
    for secret in ("900101300123", "7654321", "765 43 21", "Садыкова", "Fresh-Password"):
        assert secret not in text
