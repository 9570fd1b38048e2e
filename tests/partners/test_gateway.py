"""The partner gateway over real HTTP: signed intake, every refusal, idempotency, isolation, limits, media."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from kuzet.app import create_app
from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from kuzet.partners import service, signing
from kuzet.partners.client import PartnerClient
from tests.conftest import LiveServer, MakeUser, running_server
from tests.core.auth.helpers import logged_in
from tests.ops import Centre
from tests.partners.fixtures import App, register_partner

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


def appeal_count(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(appeals)).scalar_one())


def refusals(services: Services) -> list[str]:
    with services.engine.connect() as connection:
        query = select(audit_log).where(audit_log.c.action == "partner.refused").order_by(audit_log.c.seq)
        rows = connection.execute(query).all()
    return [row.detail["reason"] for row in rows]


def test_a_signed_appeal_joins_the_incident_pipeline(kaspi: App, centre: Centre) -> None:
    response = kaspi.client.send_appeal(kaspi.appeal(category="kaspi_theft"))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (
        answer["number"].startswith("ZP-")
        and answer["status"] == "registered"
        and answer["category"] == "theft"
    )
    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{answer['id']}"))
    assert (appeal["channel"], appeal["partner"], appeal["accuracy_m"]) == ("partner_app", "kaspi", 15)
    queue = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents"))
    assert appeal["incident_id"] in [i["id"] for i in queue]


def test_an_unknown_category_becomes_other(kaspi: App) -> None:
    answer = kaspi.client.send_appeal(kaspi.appeal(category="something_new")).json()
    assert answer["category"] == "other"


def test_every_refusal_is_a_401_and_is_audited(server: LiveServer, services: Services, kaspi: App) -> None:
    body = json.dumps(kaspi.appeal()).encode()
    path = "/partner/v1/appeals"
    now = int(time.time())

    def send(headers: dict[str, str]) -> httpx.Response:
        return httpx.post(
            server.url + path,
            content=body,
            headers={**headers, signing.IDEMPOTENCY_HEADER: str(uuid.uuid4())},
        )

    def sign(**kw: object) -> dict[str, str]:
        args: dict[str, object] = {
            "key_id": kaspi.key_id,
            "secret": kaspi.secret,
            "method": "POST",
            "path": path,
            "body": body,
            "timestamp": now,
            "nonce": uuid.uuid4().hex,
        }
        args.update(kw)
        return signing.signed_headers(**args)  # type: ignore[arg-type]

    replayed = sign()
    cases = {
        "missing_headers": {},
        "unknown_key": sign(key_id="kaspi-000000000000"),
        "bad_signature": sign(secret="not-the-secret"),
        "outside_window": sign(timestamp=now - 301),
        "bad_nonce": sign(nonce="x"),
    }
    for expected, headers in cases.items():
        response = send(headers)
        assert response.status_code == 401, expected
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "KUZET-HMAC-SHA256"
    assert send(replayed).status_code == 201
    assert send(replayed).status_code == 401
    service.set_enabled(
        services.uow(), code="kaspi", enabled=False, by=Actor.system("test"), at=services.clock.now()
    )
    assert send(sign()).status_code == 401
    assert refusals(services) == [*cases, "replayed_nonce", "disabled"]


def test_the_signature_is_checked_before_the_body_and_a_refused_body_uses_its_nonce(
    server: LiveServer, services: Services, kaspi: App
) -> None:
    """The checks run in the intake's group commit: a caller without a valid signature learns nothing about
    its body (401, not 422), and a signed request whose body is refused cannot be replayed."""
    body = b'{"text": ""}'
    path = "/partner/v1/appeals"

    def send(headers: dict[str, str]) -> httpx.Response:
        return httpx.post(
            server.url + path, content=body, headers={**headers, signing.IDEMPOTENCY_HEADER: "k-1"}
        )

    unsigned = send({})
    assert unsigned.status_code == 401, unsigned.text
    signed = signing.signed_headers(
        key_id=kaspi.key_id,
        secret=kaspi.secret,
        method="POST",
        path=path,
        body=body,
        timestamp=int(time.time()),
        nonce=uuid.uuid4().hex,
    )
    refused = send(signed)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert send(signed).status_code == 401
    assert refusals(services) == ["missing_headers", "replayed_nonce"]
    assert appeal_count(services) == 0


def test_a_retry_with_the_same_key_gets_the_same_answer(kaspi: App, services: Services) -> None:
    key = str(uuid.uuid4())
    first = kaspi.client.send_appeal(kaspi.appeal(), idempotency_key=key)
    again = kaspi.client.send_appeal(kaspi.appeal(), idempotency_key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert appeal_count(services) == 1


def test_the_same_key_with_another_body_is_refused(kaspi: App, services: Services) -> None:
    key = str(uuid.uuid4())
    kaspi.client.send_appeal(kaspi.appeal(), idempotency_key=key)
    other = kaspi.client.send_appeal(kaspi.appeal(text="Совсем другое"), idempotency_key=key)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert appeal_count(services) == 1


def test_an_idempotency_key_is_required(kaspi: App) -> None:
    body = json.dumps(kaspi.appeal()).encode()
    response = kaspi.client.request("POST", "/partner/v1/appeals", body, {"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "header"


def test_twenty_concurrent_retries_make_one_appeal(
    server: LiveServer, kaspi: App, services: Services
) -> None:
    key = str(uuid.uuid4())

    def retry(_: int) -> tuple[int, str]:
        client = PartnerClient(server.url, key_id=kaspi.key_id, secret=kaspi.secret)
        try:
            response = client.send_appeal(kaspi.appeal(), idempotency_key=key)
            return response.status_code, response.text
        finally:
            client.close()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(retry, range(20)))
    assert {status for status, _ in answers} == {201}
    assert len({text for _, text in answers}) == 1
    assert appeal_count(services) == 1


def test_bad_payload_names_the_field_and_stores_nothing(kaspi: App, services: Services) -> None:
    response = kaspi.client.send_appeal(kaspi.appeal(citizen={"iin": "900101300124"}, text="x" * 10_001))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "text" in fields
    response = kaspi.client.send_appeal(kaspi.appeal(citizen={"iin": "900101300124"}))
    assert {e["field"] for e in response.json()["errors"]} == {"caller_iin"}
    assert appeal_count(services) == 0


def test_a_partner_sees_only_its_own_appeals(kaspi: App, halyk: App) -> None:
    mine = kaspi.client.send_appeal(kaspi.appeal()).json()
    assert kaspi.client.poll(mine["id"]).json()["status"] == "registered"
    assert halyk.client.poll(mine["id"]).status_code == 404
    for guess in range(max(1, mine["id"] - 2), mine["id"] + 3):  # ids start at 1; 0 and below are a 422
        assert halyk.client.poll(guess).status_code == 404


def test_the_rate_limit_answers_429_and_survives_a_restart(server: LiveServer, services: Services) -> None:
    # Rate windows are calendar minutes: start early in one, so the whole test runs inside it.
    while time.time() % 60 > 40:
        time.sleep(0.5)
    app = register_partner(services, server, "egov", None, rate_limit=3)
    statuses = [app.client.poll(1).status_code for _ in range(4)]
    assert statuses[:3] == [404, 404, 404] and statuses[3] == 429
    limited = app.client.poll(1)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    fresh = Services.build(services.settings)
    try:
        with running_server(create_app(services.settings, services=fresh)) as url:
            restarted = PartnerClient(url, key_id=app.key_id, secret=app.secret)
            assert restarted.poll(1).status_code == 429
    finally:
        fresh.close()


def test_media_are_sniffed_stored_by_hash_and_attached(
    kaspi: App, services: Services, centre: Centre, make_user: MakeUser
) -> None:
    uploaded = kaspi.client.upload(JPEG)
    assert uploaded.status_code == 201, uploaded.text
    media = uploaded.json()
    assert (media["kind"], media["mime"], media["size"]) == ("photo", "image/jpeg", len(JPEG))
    stored = Path(services.settings.data_dir) / "media" / media["sha256"][:2] / media["sha256"]
    assert stored.read_bytes() == JPEG
    appeal = kaspi.client.send_appeal(kaspi.appeal(media=[media["id"]])).json()
    assert appeal["media"] == [media["id"]]
    again = kaspi.client.send_appeal(kaspi.appeal(media=[media["id"]]))
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "media"
    assert kaspi.client.upload(b"#!/bin/sh\nrm -rf /\n").status_code == 422
    # The dispatcher sees the photo on the incident card and opens it; staff of no scope over it cannot.
    incident_id = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{appeal['id']}"))[
        "incident_id"
    ]
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))
    shown = next(a for a in card["appeals"] if a["id"] == appeal["id"])["media"]
    assert [(m["id"], m["kind"], m["mime"]) for m in shown] == [(media["id"], "photo", "image/jpeg")]
    photo = centre.dispatcher.get(shown[0]["url"])
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg"
    assert centre.dispatcher.get("/api/v1/media/no-such-media").status_code == 404
    _, north = logged_in(centre.dispatcher.http, services, make_user, "north-media", Role.DISPATCHER, "north")
    assert centre.dispatcher.http.get(shown[0]["url"], headers=north).status_code == 404


def test_a_rotated_key_keeps_the_old_one_for_the_grace_period(
    kaspi: App, services: Services, server: LiveServer
) -> None:
    issued = service.rotate(
        services.uow(),
        services.auth.box,
        code="kaspi",
        grace=timedelta(hours=1),
        by=Actor.system("test"),
        at=services.clock.now(),
    )
    new = PartnerClient(server.url, key_id=issued.key.key_id, secret=issued.key.secret)
    assert new.send_appeal(kaspi.appeal()).status_code == 201
    assert kaspi.client.send_appeal(kaspi.appeal()).status_code == 201  # the old key, within the grace period
    service.rotate(
        services.uow(),
        services.auth.box,
        code="kaspi",
        grace=timedelta(0),
        by=Actor.system("test"),
        at=services.clock.now(),
    )
    assert kaspi.client.send_appeal(kaspi.appeal()).status_code == 401


def test_appeals_are_counted_per_channel_and_partner(kaspi: App, halyk: App, centre: Centre) -> None:
    kaspi.client.send_appeal(kaspi.appeal())
    kaspi.client.send_appeal(kaspi.appeal())
    halyk.client.send_appeal(halyk.appeal())
    centre.call_taker.call()
    counts = centre.analyst.ok(
        centre.analyst.get(
            "/api/v1/appeals/stats/channels", since="2020-01-01T00:00:00Z", until="2100-01-01T00:00:00Z"
        )
    )
    assert {(c["channel"], c["partner"]): c["appeals"] for c in counts} == {
        ("partner_app", "halyk"): 1,
        ("partner_app", "kaspi"): 2,
        ("phone_102", None): 1,
    }


def test_housekeeping_forgets_old_nonces_windows_and_keys(kaspi: App, services: Services) -> None:
    from kuzet.partners.store import partner_idempotency, partner_nonces, partner_rate_windows

    kaspi.client.send_appeal(kaspi.appeal())
    later = services.clock.now() + timedelta(days=2)
    service.housekeeping(services.uow(), at=later, idempotency_window=timedelta(hours=24))
    with services.engine.connect() as connection:
        for table in (partner_nonces, partner_rate_windows, partner_idempotency):
            assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_malformed_signature_headers_are_refused_not_crashed(
    server: LiveServer, kaspi: App, services: Services
) -> None:
    body = json.dumps(kaspi.appeal()).encode()
    good = signing.signed_headers(
        key_id=kaspi.key_id,
        secret=kaspi.secret,
        method="POST",
        path="/partner/v1/appeals",
        body=body,
        timestamp=int(time.time()),
        nonce=uuid.uuid4().hex,
    )
    for change in (
        {signing.SIGNATURE_HEADER: "v1=" + "é" * 64},
        {signing.TIMESTAMP_HEADER: "²"},
        {signing.TIMESTAMP_HEADER: "9" * 5000},
        {signing.KEY_HEADER: "k" * 500},
    ):
        headers = {**good, **change, signing.NONCE_HEADER: uuid.uuid4().hex, signing.IDEMPOTENCY_HEADER: "x"}
        response = httpx.post(
            server.url + "/partner/v1/appeals",
            content=body,
            headers={k: v.encode() if not v.isascii() else v for k, v in headers.items()},
        )
        assert response.status_code == 401, (change, response.text)
    assert len(refusals(services)) == 4


def test_a_key_without_the_scope_is_forbidden(server: LiveServer, services: Services) -> None:
    from kuzet.partners.domain import Partner, Scope

    issued = service.create(
        services.uow(),
        services.auth.box,
        partner=Partner("reader", "Reader", True, None, frozenset({Scope.APPEALS_READ}), 600),
        by=Actor.system("test"),
        at=services.clock.now(),
    )
    client = PartnerClient(server.url, key_id=issued.key.key_id, secret=issued.key.secret)
    response = client.send_appeal({"citizen": {}, "text": "x", "address": "y"})
    assert response.status_code == 403
    assert refusals(services) == ["scope"]


def test_an_oversized_body_is_refused_before_it_is_read(server: LiveServer, services: Services) -> None:
    limit = services.settings.partner_media_max_bytes + 1024 * 1024
    response = httpx.post(server.url + "/partner/v1/media", content=b"\0" * (limit + 1), timeout=60)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"

    def stream() -> Iterator[bytes]:
        for _ in range(limit // (1024 * 1024) + 2):
            yield b"\0" * 1024 * 1024

    streamed = httpx.post(server.url + "/partner/v1/media", content=stream(), timeout=60)
    assert streamed.status_code == 413


def test_the_apps_location_never_overwrites_a_verified_one(kaspi: App, centre: Centre) -> None:
    first = kaspi.client.send_appeal(kaspi.appeal()).json()
    d = centre.dispatcher
    incident_id = d.ok(d.get(f"/api/v1/appeals/{first['id']}"))["incident_id"]
    verified = d.ok(
        d.post(
            f"/api/v1/incidents/{incident_id}/location",
            {"lat": 42.5071, "lon": 1.5230, "address": "Avinguda Meritxell, 30"},
        )
    )
    assert verified["location_verified_by"] == "disp1"
    second = kaspi.client.send_appeal(kaspi.appeal(location={"lat": 42.5100, "lon": 1.5300})).json()
    d.ok(d.post(f"/api/v1/appeals/{second['id']}/move", {"incident_id": incident_id}))
    card = d.ok(d.get(f"/api/v1/incidents/{incident_id}"))
    assert (card["incident"]["lat"], card["incident"]["lon"]) == (42.5071, 1.5230)
    assert [(a["lat"], a["lon"]) for a in card["appeals"]] == [(42.5063, 1.5218), (42.51, 1.53)]
    assert [e["kind"] for e in card["timeline"]].count("location_verified") == 1
    outside = d.post(f"/api/v1/incidents/{incident_id}/location", {"lat": 51.17, "lon": 71.45})
    assert outside.status_code == 422
