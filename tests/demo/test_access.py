"""The accounts and partner keys the simulation and the load test act with (kuzet.demo.access): an account is
created, or given a new password and unlocked; each enabled partner gets one more key, audited."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Role
from kuzet.demo.access import ensure_account, issue_partner_keys
from kuzet.demo.seed import seed_demo_partners
from kuzet.partners.store import PartnerRepository

ACTOR = Actor.system("loadtest")


def status_of_login(http: httpx.Client, username: str, password: str) -> int:
    return http.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_an_account_is_created_then_given_a_new_password_and_unlocked(
    services: Services, http: httpx.Client
) -> None:
    def ensure() -> tuple[str, str]:
        account = ensure_account(
            services,
            username="load-calltaker-central",
            role=Role.CALL_TAKER,
            district="central",
            full_name="Нагрузочный тест (central)",
            by=ACTOR,
            password_prefix="Load-",
        )
        assert account.district == "central" and account.password.startswith("Load-")
        assert account.password not in repr(account)
        return account.username, account.password

    username, first = ensure()
    assert status_of_login(http, username, first) == 200
    user = accounts.find_by_username(services.uow(), username)
    assert user.full_name == "Нагрузочный тест (central)" and user.role == Role.CALL_TAKER
    accounts.lock_user(services.uow(), user_id=user.id, by=Actor.system("test"), at=services.clock.now())

    same, second = ensure()
    assert same == username and second != first
    assert status_of_login(http, username, second) == 200  # unlocked
    assert status_of_login(http, username, first) != 200
    assert accounts.find_by_username(services.uow(), username).id == user.id


def test_each_enabled_partner_gets_one_more_key_for_the_lifetime_audited(services: Services) -> None:
    seed_demo_partners(services)
    lifetime = timedelta(days=7)
    issued = issue_partner_keys(
        services, by=ACTOR, lifetime=lifetime, label="load", action="partner.load_key"
    )
    with services.uow() as uow:
        repo = uow.repo(PartnerRepository)
        enabled = sorted(p.code for p in repo.all() if p.enabled)
        assert enabled and sorted(i.code for i in issued) == enabled
        for access in issued:
            assert access.key_id.startswith(f"{access.code}-load-")
            (key,) = [k for k in repo.keys_of(access.code, services.auth.box) if k.key_id == access.key_id]
            assert key.secret == access.secret
            assert key.expires_at is not None and key.expires_at - key.created_at == lifetime
    with services.engine.connect() as connection:
        audited = connection.execute(
            select(audit_log.c.object_id, audit_log.c.detail).where(audit_log.c.action == "partner.load_key")
        ).all()
    assert sorted(row.object_id for row in audited) == enabled
    assert {row.detail["key_id"] for row in audited} == {i.key_id for i in issued}
