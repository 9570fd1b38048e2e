"""The OpenAPI document tells the truth: schemathesis sends generated requests, valid and invalid, to every
operation of the live app as an anonymous caller, a dispatcher, an administrator and a partner system.
Every answer must be a documented status with a documented content type and body, and none a server error."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import httpx
import pytest

from kuzet.container import Services
from kuzet.core import observability
from kuzet.core.auth.domain import Role
from kuzet.partners import service as partner_service
from tests.api.conformance import Finding, PartnerSignature, Profile, run
from tests.conftest import LiveServer, MakeUser, login
from tests.core.auth.helpers import logged_in
from tests.ops import Centre
from tests.partners.fixtures import register_partner

# Examples per operation and generation mode. The run is repeated on both databases with the same seed; the
# answers' shapes do not depend on the database, so the second (PostgreSQL) run goes less deep and looks for
# what does (its errors, its types). KUZET_CONFORMANCE_EXAMPLES sets it for a deeper run.
_DEFAULT_EXAMPLES = "6" if os.environ.get("KUZET_TEST_BACKEND") == "postgresql" else "15"
EXAMPLES = int(os.environ.get("KUZET_CONFORMANCE_EXAMPLES", _DEFAULT_EXAMPLES))
STREAMS = {("GET", "/api/v1/live")}  # never ends by itself; its refusals are checked for the anonymous caller


def report(findings: list[Finding]) -> str:
    return "\n\n".join(f"{f.operation} [{f.mode}]\n{f.error}" for f in findings)


@pytest.fixture
def seeded(centre: Centre) -> Centre:
    """A working centre: a unit on shift and an incident with an appeal, so that some ids exist."""
    centre.supervisor.unit("A-01")
    centre.call_taker.call()
    return centre


@pytest.mark.slow
def test_anonymous_callers_get_only_documented_answers(server: LiveServer) -> None:
    statuses, findings = run(server.url, Profile("anonymous"), max_examples=EXAMPLES)
    assert not findings, report(findings)
    assert statuses[401] > 100 and statuses[200] > 0, statuses


@pytest.mark.slow
@pytest.mark.usefixtures("andorra_roads", "andorra_gazetteer")
def test_a_dispatcher_gets_only_documented_answers(
    server: LiveServer, seeded: Centre, make_user: MakeUser
) -> None:
    make_user("st-disp", Role.DISPATCHER, "central")
    with httpx.Client(base_url=server.url) as http:
        token = login(http, "st-disp")
    profile = Profile(
        "dispatcher",
        headers={"Authorization": f"Bearer {token}"},
        skip=lambda method, path: (method, path) in STREAMS or path == "/api/v1/auth/logout",
    )
    statuses, findings = run(server.url, profile, max_examples=EXAMPLES)
    assert not findings, report(findings)
    assert statuses[200] > 100 and statuses[403] > 0, statuses  # real work, and the admin routes refused


@pytest.mark.slow
@pytest.mark.usefixtures("andorra_roads", "andorra_gazetteer")
def test_an_administrator_gets_only_documented_answers(
    server: LiveServer, services: Services, seeded: Centre, make_user: MakeUser
) -> None:
    """The administrator reaches the most routes: staff, partners, the catalogue, the district map."""
    with httpx.Client(base_url=server.url) as http:
        _, headers = logged_in(http, services, make_user, "st-admin", Role.ADMIN, None)
    own_session = {"/api/v1/auth/logout", "/api/v1/users/{user_id}/password", "/api/v1/users/{user_id}/lock"}
    profile = Profile(
        "administrator",
        headers=headers,
        skip=lambda method, path: (method, path) in STREAMS or path in own_session,
    )
    statuses, findings = run(server.url, profile, max_examples=EXAMPLES)
    assert not findings, report(findings)
    assert statuses[200] > 100 and statuses[201] > 0, statuses


@pytest.mark.slow
def test_a_partner_system_gets_only_documented_answers(
    server: LiveServer, services: Services, seeded: Centre
) -> None:
    app = register_partner(services, server, "conformance", None, rate_limit=100_000)
    profile = Profile("partner", skip=lambda method, path: not path.startswith("/partner/"))
    profile.session.auth = PartnerSignature(app.key_id, app.secret)
    statuses, findings = run(server.url, profile, max_examples=EXAMPLES)
    assert not findings, report(findings)
    assert statuses[201] > 0 and statuses[422] > 0, statuses  # signed and accepted, and refused as invalid


# The run above must be able to fail: a route made to raise, and an answer made to break its schema.


def test_the_run_fails_when_a_route_raises(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_registry: object) -> bytes:
        raise RuntimeError("made to fail")

    monkeypatch.setattr(observability, "generate_latest", broken)
    _, findings = run(server.url, Profile("anonymous"), max_examples=3, operations=[("GET", "/metrics")])
    assert findings and "Server error" in findings[0].error, report(findings)


def test_the_run_fails_when_an_answer_breaks_its_schema(
    server: LiveServer, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_step = partner_service.intake_step

    def without_number(*args: Any, **kwargs: Any) -> Any:
        answer = real_step(*args, **kwargs)
        return replace(answer, body={k: v for k, v in answer.body.items() if k != "number"})

    monkeypatch.setattr(partner_service, "intake_step", without_number)
    app = register_partner(services, server, "broken", None, rate_limit=100_000)
    profile = Profile("partner")
    profile.session.auth = PartnerSignature(app.key_id, app.secret)
    _, findings = run(server.url, profile, max_examples=10, operations=[("POST", "/partner/v1/appeals")])
    assert findings and "violates schema" in findings[0].error, report(findings)
