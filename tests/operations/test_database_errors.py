"""Which database errors answer 503 database-unavailable (the database is away: retry) and which stay a 500
(a fault of the request or the code). The errors are made by hand; the real handlers and middleware answer
them over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as db_errors

from kuzet.core.problems import (
    DATABASE_RETRY_AFTER_SECONDS,
    PROBLEM_JSON,
    UnexpectedErrorMiddleware,
    install_error_handlers,
)
from tests.conftest import running_server


class DriverError(Exception):
    """A driver's error with PostgreSQL's SQLSTATE, as psycopg gives it."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


def wrapped(
    kind: type[db_errors.DBAPIError], sqlstate: str | None = None, *, lost: bool = False
) -> Exception:
    return kind("SELECT 1", {}, DriverError(sqlstate), connection_invalidated=lost)


AWAY = {
    "lost": wrapped(db_errors.OperationalError, "08006"),  # connection lost mid-request
    "starting": wrapped(db_errors.OperationalError, "57P03"),  # the server is starting up
    "closed": wrapped(db_errors.InterfaceError),  # the connection was closed already
    "read-only": wrapped(db_errors.InternalError, "25006"),  # a write reached a standby not yet promoted
    "invalidated": wrapped(db_errors.DatabaseError, lost=True),  # any error that cost the connection
    "pool": db_errors.TimeoutError("QueuePool limit reached"),  # no pooled connection free in time
}
FAULTS = {
    "duplicate": wrapped(db_errors.IntegrityError, "23505"),
    "no-table": wrapped(db_errors.ProgrammingError, "42P01"),
}


@pytest.fixture(scope="module")
def raising() -> Iterator[httpx.Client]:
    """An app with the real handlers and middleware whose route raises the error it is named."""
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(UnexpectedErrorMiddleware)

    @app.get("/boom/{name}")
    def boom(name: str) -> None:
        raise {**AWAY, **FAULTS}[name]

    with running_server(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.mark.parametrize("name", sorted(AWAY))
def test_an_unreachable_or_read_only_database_is_a_503_to_retry(raising: httpx.Client, name: str) -> None:
    response = raising.get(f"/boom/{name}", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["retry-after"] == str(DATABASE_RETRY_AFTER_SECONDS)
    problem = response.json()
    assert problem["type"] == "urn:kuzet:problem:database-unavailable"
    assert problem["title"] == "Database unavailable"
    assert f"Try again in {DATABASE_RETRY_AFTER_SECONDS} s" in problem["detail"]


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_fault_of_the_request_or_the_code_stays_a_500(raising: httpx.Client, name: str) -> None:
    response = raising.get(f"/boom/{name}")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "retry-after" not in response.headers
    assert response.json()["type"] == "urn:kuzet:problem:internal-error"


def test_the_problem_is_told_in_russian_by_default(raising: httpx.Client) -> None:
    response = raising.get("/boom/lost")
    assert response.status_code == 503
    assert response.json()["title"] == "База данных недоступна"
