"""The agency registry over real HTTP: administrators register and change agencies and rotate their keys,
every role reads the contact phones, everything is audited, and a secret is answered once, never again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core import signing
from kuzet.core.auth.domain import Role
from kuzet.core.errors import Unauthenticated
from kuzet.core.signing import SignedCall, SignedRequest
from kuzet.interagency import service
from kuzet.interagency.store import agency_keys
from tests.conftest import LiveServer, MakeUser
from tests.core.auth.helpers import logged_in
from tests.interagency.registry import AMBULANCE, audit_rows


@pytest.fixture
def admin(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "root", Role.ADMIN, None)[1]


@pytest.fixture
def dispatcher(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "desk", Role.DISPATCHER, "central")[1]


def register(http: httpx.Client, admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = http.post("/api/v1/agencies", json={**AMBULANCE, **changes}, headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def secrets_of(issued: dict[str, Any]) -> dict[str, str]:
    return {k["direction"]: k["secret"] for k in issued["issued"]}


def test_an_administrator_registers_an_agency_and_sees_its_two_secrets_once(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    admin: dict[str, str],
    dispatcher: dict[str, str],
) -> None:
    issued = register(http, admin)
    assert issued["agency"]["code"] == "ambulance_103"
    assert issued["agency"]["ack_deadlines"] == {"1": 60, "2": 120, "3": 300, "4": 600}
    assert issued["agency"]["names"]["kk"] == "Жедел медициналық жәрдем 103"
    secrets = secrets_of(issued)
    assert set(secrets) == {"outbound", "inbound"} and len(set(secrets.values())) == 2
    assert all(len(s) >= 40 for s in secrets.values())

    # Read again: key ids for the administrator, the contact phone for the desk, no secret for anyone.
    as_admin = http.get("/api/v1/agencies/ambulance_103", headers=admin)
    as_desk = http.get("/api/v1/agencies", headers=dispatcher)
    assert as_admin.status_code == 200 and as_desk.status_code == 200
    assert {k["key_id"] for k in as_admin.json()["keys"]} == {k["key_id"] for k in issued["issued"]}
    (listed,) = as_desk.json()
    assert listed["contact_phone"] == "+7 7172 55 01 03" and listed["keys"] is None
    for text in (as_admin.text, as_desk.text, http.get("/api/v1/agencies", headers=admin).text):
        assert not any(secret in text for secret in secrets.values())
        assert "secret" not in text

    # At rest the secrets are sealed, not kept as they are; the server opens them with its key.
    with services.engine.connect() as connection:
        sealed = [row.sealed_secret for row in connection.execute(select(agency_keys)).all()]
    assert len(sealed) == 2 and not set(sealed) & set(secrets.values())
    assert {services.auth.box.open(s) for s in sealed} == set(secrets.values())

    (created,) = audit_rows(services)
    assert (created.action, created.object_id, created.actor) == ("agency.create", "ambulance_103", "root")
    assert sorted(created.detail["key_ids"]) == sorted(k["key_id"] for k in issued["issued"])
    assert not any(secret in str(created.detail) for secret in secrets.values())


def test_a_second_agency_with_the_same_code_is_a_conflict(http: httpx.Client, admin: dict[str, str]) -> None:
    register(http, admin)
    again = http.post("/api/v1/agencies", json=AMBULANCE, headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "ambulance_103" in again.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"code": "Ambulance-103"}, "code", "pattern"),
        ({"names": {"ru": "Скорая", "en": "Ambulance"}}, "names.kk", "missing"),
        (
            {"names": {"ru": "Скорая", "kk": "Жедел", "en": "Ambulance", "de": "Rettung"}},
            "names.de",
            "extra_forbidden",
        ),
        ({"endpoint_url": "ftp://127.0.0.1/handover"}, "endpoint_url", "url"),
        ({"endpoint_url": "http://user:pass@127.0.0.1/handover"}, "endpoint_url", "url"),
        ({"formats": []}, "formats", "missing"),
        ({"formats": ["xml"]}, "formats[0]", "enum"),
        ({"ack_deadlines": {"1": 60, "2": 120, "3": 300}}, "ack_deadlines.4", "missing"),
        ({"ack_deadlines": {"1": 0, "2": 120, "3": 300, "4": 600}}, "ack_deadlines.1", "greater_than_equal"),
        ({"ack_deadlines": {"1": 60, "2": 120, "3": 300, "4": 600, "5": 900}}, "ack_deadlines.5", "priority"),
        ({"contact_phone": "call the duty officer"}, "contact_phone", "phone"),
        ({"contact_phone": "1"}, "contact_phone", "phone"),
    ],
)
def test_an_invalid_agency_is_refused_naming_the_field(
    http: httpx.Client,
    services: Services,
    admin: dict[str, str],
    changes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    response = http.post(
        "/api/v1/agencies", json={**AMBULANCE, **changes}, headers={**admin, "Accept-Language": "kk"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert problem["errors"][0]["reason"]  # translated (kk), not empty
    assert http.get("/api/v1/agencies", headers=admin).json() == []
    assert audit_rows(services) == []


def test_an_unknown_agency_is_a_404_problem(http: httpx.Client, admin: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/api/v1/agencies/gas_104"),
        ("PATCH", "/api/v1/agencies/gas_104"),
        ("POST", "/api/v1/agencies/gas_104/disable"),
        ("POST", "/api/v1/agencies/gas_104/rotate"),
    ]:
        response = http.request(method, path, json={} if method == "PATCH" else None, headers=admin)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_change_merges_names_and_deadlines_and_is_audited(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    register(http, admin)
    response = http.patch(
        "/api/v1/agencies/ambulance_103",
        json={
            "names": {"en": "Emergency medical service 103"},
            "ack_deadlines": {"1": 45},
            "endpoint_url": "https://ems.example.kz/kuzet",
            "formats": ["eido", "kuzet"],
            "contact_phone": "103",
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text
    agency = response.json()
    assert agency["names"] == {**AMBULANCE["names"], "en": "Emergency medical service 103"}
    assert agency["ack_deadlines"] == {"1": 45, "2": 120, "3": 300, "4": 600}
    assert agency["formats"] == ["eido", "kuzet"] and agency["contact_phone"] == "103"
    assert http.get("/api/v1/agencies/ambulance_103", headers=admin).json() == agency

    bad = http.patch("/api/v1/agencies/ambulance_103", json={"ack_deadlines": {"2": -5}}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ack_deadlines.2"
    unchanged = http.patch("/api/v1/agencies/ambulance_103", json={"contact_phone": "103"}, headers=admin)
    assert unchanged.status_code == 200

    updates = [row for row in audit_rows(services) if row.action == "agency.update"]
    assert len(updates) == 1  # the refused change and the change to the same value leave no row
    assert updates[0].detail == {
        "changed": ["ack_deadlines", "contact_phone", "endpoint_url", "formats", "names"],
        "endpoint_url": "https://ems.example.kz/kuzet",
    }


def test_disabling_and_enabling_are_audited_and_a_disabled_agency_is_refused(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    issued = register(http, admin)
    inbound = next(k for k in issued["issued"] if k["direction"] == "inbound")
    off = http.post("/api/v1/agencies/ambulance_103/disable", headers=admin)
    assert off.status_code == 200 and off.json()["enabled"] is False
    with pytest.raises(Unauthenticated):
        admit(services, inbound["key_id"], inbound["secret"], services.clock.now())
    on = http.post("/api/v1/agencies/ambulance_103/enable", headers=admin)
    assert on.status_code == 200 and on.json()["enabled"] is True
    assert admit(services, inbound["key_id"], inbound["secret"], services.clock.now()) == "ambulance_103"
    actions = [(r.action, r.outcome, r.detail.get("reason")) for r in audit_rows(services)]
    assert actions == [
        ("agency.create", "ok", None),
        ("agency.disable", "ok", None),
        ("agency.refused", "denied", "disabled"),
        ("agency.enable", "ok", None),
    ]


def admit(services: Services, key_id: str, secret: str, at: datetime, nonce: str | None = None) -> str:
    """Admit (or refuse) an agency's signed request as the inbound API will; returns the agency's code."""
    body = b'{"type": "ack"}'
    path = "/agency/v1/acks"
    stamp = int(at.timestamp())
    headers = signing.signed_headers(
        key_id=key_id,
        secret=secret,
        method="POST",
        path=path,
        body=body,
        timestamp=stamp,
        nonce=nonce or f"n-{stamp}-{key_id}-{at.microsecond}",
    )
    call = SignedCall(SignedRequest.from_headers(headers), "POST", path, body, "127.0.0.1")
    return service.authenticate(services.uow(), services.auth.box, call, at=at).code


def test_rotation_keeps_the_old_keys_for_the_grace_period(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    first = {k["direction"]: k for k in register(http, admin)["issued"]}
    rotated = http.post("/api/v1/agencies/ambulance_103/rotate", json={"grace_hours": 2}, headers=admin)
    assert rotated.status_code == 201, rotated.text
    second = {k["direction"]: k for k in rotated.json()["issued"]}
    assert set(second) == {"inbound", "outbound"}
    assert len(rotated.json()["agency"]["keys"]) == 4
    now = services.clock.now()
    within, after = now + timedelta(hours=1), now + timedelta(hours=2, seconds=1)

    # What the agency signs: its old key works during the grace, its new one at once; after it only the new.
    old_in, new_in = first["inbound"], second["inbound"]
    assert admit(services, old_in["key_id"], old_in["secret"], within) == "ambulance_103"
    assert admit(services, new_in["key_id"], new_in["secret"], now) == "ambulance_103"
    assert admit(services, new_in["key_id"], new_in["secret"], after) == "ambulance_103"
    with pytest.raises(Unauthenticated):
        admit(services, old_in["key_id"], old_in["secret"], after)

    # What we sign: with the old key during the grace (the agency installs the new secret), then the new.
    def signer(at: datetime) -> str | None:
        key = service.outbound_key(services.uow(), services.auth.box, code="ambulance_103", at=at)
        return None if key is None else key.key_id

    assert signer(within) == first["outbound"]["key_id"]
    assert signer(after) == second["outbound"]["key_id"]

    rotation = [r for r in audit_rows(services) if r.action == "agency.rotate"]
    assert len(rotation) == 1 and sorted(rotation[0].detail["key_ids"]) == sorted(
        k["key_id"] for k in second.values()
    )
    refused = [r.detail["reason"] for r in audit_rows(services) if r.action == "agency.refused"]
    assert refused == ["unknown_key"]


def test_a_rotation_without_grace_switches_at_once_and_may_be_one_way(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    first = {k["direction"]: k for k in register(http, admin)["issued"]}
    rotated = http.post(
        "/api/v1/agencies/ambulance_103/rotate",
        json={"directions": ["outbound"], "grace_hours": 0},
        headers=admin,
    )
    assert rotated.status_code == 201, rotated.text
    (new,) = rotated.json()["issued"]
    assert new["direction"] == "outbound"
    now = services.clock.now() + timedelta(seconds=1)
    key = service.outbound_key(services.uow(), services.auth.box, code="ambulance_103", at=now)
    assert key is not None and key.key_id == new["key_id"] and key.secret == new["secret"]
    # The inbound key was not touched.
    inbound = first["inbound"]
    assert admit(services, inbound["key_id"], inbound["secret"], now + timedelta(days=30)) == "ambulance_103"

    bad = http.post("/api/v1/agencies/ambulance_103/rotate", json={"directions": ["sideways"]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "directions[0]"


def test_what_we_sign_checks_with_the_agencys_copy_of_our_key(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    ours = secrets_of(register(http, admin))["outbound"]
    at = services.clock.now()
    key = service.outbound_key(services.uow(), services.auth.box, code="ambulance_103", at=at)
    assert key is not None
    body = b'{"incident": "2026-000001"}'
    headers = service.signed_headers(key, method="POST", path="/handover", body=body, at=at)
    received = SignedRequest.from_headers(headers)
    assert received is not None and received.key_id == key.key_id
    assert (
        signing.check(received, secret=ours, method="POST", path="/handover", body=body, now=at.timestamp())
        is None
    )
    assert signing.check(
        received, secret=ours, method="POST", path="/handover", body=b"{}", now=at.timestamp()
    ) is (signing.Refusal.BAD_SIGNATURE)


def test_a_replayed_or_stale_agency_request_is_refused_and_audited(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    inbound = next(k for k in register(http, admin)["issued"] if k["direction"] == "inbound")
    now = services.clock.now()
    assert admit(services, inbound["key_id"], inbound["secret"], now, nonce="nonce-once-1") == "ambulance_103"
    with pytest.raises(Unauthenticated):
        admit(services, inbound["key_id"], inbound["secret"], now, nonce="nonce-once-1")
    stale = now - timedelta(seconds=signing.CLOCK_WINDOW_SECONDS + 5)
    body = b"{}"
    headers = signing.signed_headers(
        key_id=inbound["key_id"],
        secret=inbound["secret"],
        method="POST",
        path="/x",
        body=body,
        timestamp=int(stale.timestamp()),
        nonce="nonce-stale-1",
    )
    call = SignedCall(SignedRequest.from_headers(headers), "POST", "/x", body, "127.0.0.1")
    with pytest.raises(Unauthenticated):
        service.authenticate(services.uow(), services.auth.box, call, at=now)
    outbound = next(
        k
        for k in http.get("/api/v1/agencies/ambulance_103", headers=admin).json()["keys"]
        if k["direction"] == "outbound"
    )
    with pytest.raises(Unauthenticated):  # our own key is not one the agency may sign with
        admit(services, outbound["key_id"], "whatever", now)
    reasons = [(r.detail["reason"], r.actor) for r in audit_rows(services) if r.action == "agency.refused"]
    assert reasons == [
        ("replayed_nonce", "agency:ambulance_103"),
        ("outside_window", f"key:{inbound['key_id']}"),
        ("unknown_key", f"key:{outbound['key_id']}"),
    ]


def test_secrets_never_reach_the_logs(
    http: httpx.Client, services: Services, admin: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        issued = register(http, admin)
        rotated = http.post("/api/v1/agencies/ambulance_103/rotate", headers=admin).json()
        http.get("/api/v1/agencies", headers=admin)
    shown = [*secrets_of(issued).values(), *secrets_of(rotated).values()]
    assert len(shown) == 4
    logged = [str(vars(record)) for record in caplog.records]
    assert logged, "the server's request log was captured"
    assert not [line for line in logged if any(secret in line for secret in shown)]
