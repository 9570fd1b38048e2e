"""The audit log: one row per change and per refusal, written in the same transaction, tamper-evident."""

from __future__ import annotations

import subprocess
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, text, update

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from kuzet.core.auth.store import users
from kuzet.schema import metadata
from tests.conftest import NEW_USER, MakeUser, run_cli
from tests.core.auth.helpers import logged_in


def audit_verify_cli(services: Services) -> subprocess.CompletedProcess[str]:
    return run_cli(services, "audit", "verify")


def rows(services: Services, action: str, actor: str) -> list[Any]:
    query = select(audit_log).where(audit_log.c.action == action, audit_log.c.actor == actor)
    with services.engine.connect() as connection:
        return list(connection.execute(query).all())


def test_a_change_writes_one_row_with_who_where_and_when(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    created = http.post("/api/v1/users", json=NEW_USER, headers=admin)
    assert created.status_code == 201
    [row] = rows(services, "user.create", "root")
    assert (row.role, row.source, row.outcome) == ("admin", "127.0.0.1", "ok")
    assert row.object_id == str(created.json()["id"])
    assert row.at.tzinfo == UTC
    assert abs(services.clock.now() - row.at) < timedelta(seconds=30)
    listed = http.get(
        "/api/v1/audit", params={"action": "user.create", "actor": "root"}, headers=admin
    ).json()
    assert [entry["object_id"] for entry in listed] == [row.object_id]


def test_no_personal_data_goes_into_the_audit_detail(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    http.post("/api/v1/users", json=NEW_USER, headers=admin)
    with services.engine.connect() as connection:
        dump = repr(connection.execute(select(audit_log)).all())
    assert "Садыкова" not in dump and "7654321" not in dump and "Fresh-Password" not in dump


def test_if_the_audit_row_cannot_be_written_the_change_fails(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    with services.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    try:
        response = http.post("/api/v1/users", json=NEW_USER, headers={**admin, "Accept-Language": "en"})
    finally:
        with services.engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    with services.engine.connect() as connection:
        assert connection.execute(select(users).where(users.c.username == "newcomer")).first() is None


def test_verify_passes_on_an_untouched_chain(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    http.post("/api/v1/users", json=NEW_USER, headers=admin)
    result = audit_verify_cli(services)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout
    report = http.get("/api/v1/audit/verify", headers=admin).json()
    assert report["ok"] is True and report["checked"] >= 3


@pytest.fixture
def busy_log(services: Services, make_user: MakeUser) -> int:
    """A log with several rows; returns how many."""
    for i in range(5):
        make_user(f"user{i}")
    with services.engine.connect() as connection:
        return len(connection.execute(select(audit_log)).all())


def test_an_edited_row_is_named(services: Services, busy_log: int) -> None:
    with services.engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 3).values(outcome="denied"))
    result = audit_verify_cli(services)
    assert result.returncode == 1
    assert "BROKEN at row 3" in result.stderr


def test_a_deleted_row_is_named(services: Services, busy_log: int) -> None:
    with services.engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq == 2))
    result = audit_verify_cli(services)
    assert result.returncode == 1
    assert "BROKEN at row 2" in result.stderr


def test_a_deleted_last_row_is_detected(services: Services, busy_log: int) -> None:
    with services.engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq == busy_log))
    result = audit_verify_cli(services)
    assert result.returncode == 1
    assert f"BROKEN at row {busy_log}" in result.stderr


def test_the_schema_has_the_audit_tables() -> None:
    assert {"audit_log", "audit_head"} <= set(metadata.tables)


def test_a_time_filter_without_a_zone_is_a_clear_422(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    response = http.get("/api/v1/audit", params={"since": "2026-01-01T00:00:00"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"
    aware = http.get("/api/v1/audit", params={"since": "2026-01-01T00:00:00+05:00"}, headers=admin)
    assert aware.status_code == 200


def test_verify_ignores_rows_appended_after_the_head_was_read(services: Services, busy_log: int) -> None:
    from kuzet.core.audit.domain import verify_chain

    with services.uow() as uow:
        head_seq, head_hash = uow.audit_log.head()
    make_more = services.uow()
    with make_more:
        make_more.audit(Actor.system("late"), "test.late")
        make_more.commit()
    with services.uow() as uow:
        report = verify_chain(
            uow.audit_log.walk(up_to=head_seq + 10),
            head_seq=head_seq,
            head_hash=head_hash,
            key=services.audit_key,
        )
    assert report.ok and report.checked == busy_log
