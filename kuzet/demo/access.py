"""The simulation's own accounts and partner keys, issued afresh at each start and kept in memory only.

Call-takers and dispatchers are tied to one district, so the simulation has one call-taker and one
dispatcher per district (`sim-calltaker-<district>`, `sim-dispatcher-<district>`); each start gives them new
random passwords. Each «Закон и порядок» app gets one more key for the simulation, valid for a week; the keys
printed for people at the first `kuzet demo` stay as they were. No password or secret is printed or logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Role
from kuzet.core.auth.store import UserRepository
from kuzet.demo.seed import DEMO_ACTOR
from kuzet.geo import service as geo_service
from kuzet.partners.domain import PartnerKey
from kuzet.partners.store import PartnerRepository

SIM_KEY_LIFETIME: Final = timedelta(days=7)
ROLE_NAMES: Final = {Role.CALL_TAKER: "calltaker", Role.DISPATCHER: "dispatcher"}
FULL_NAMES: Final = {Role.CALL_TAKER: "Симуляция: оператор 102", Role.DISPATCHER: "Симуляция: диспетчер"}


@dataclass(frozen=True)
class Account:
    """An account's login; also the load test's (its access file keeps these field names)."""

    username: str
    district: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class PartnerAccess:
    """A partner app's key; also the load test's (its access file keeps these field names)."""

    code: str
    key_id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class SimAccess:
    """Who the simulation acts as: a call-taker and a dispatcher per district, and one key per partner."""

    call_takers: dict[str, Account]
    dispatchers: dict[str, Account]
    partners: list[PartnerAccess]

    @property
    def districts(self) -> list[str]:
        return sorted(self.dispatchers)


def sim_username(role: Role, district: str) -> str:
    return f"sim-{ROLE_NAMES[role]}-{district}"


def ensure_account(
    services: Services,
    *,
    username: str,
    role: Role,
    district: str,
    full_name: str,
    by: Actor,
    password_prefix: str,
) -> Account:
    """Create the account with a new random password, or give the existing one a new password (which also
    ends its old sessions) and unlock it. Shared by the simulation and `kuzet loadtest --prepare`."""
    password = password_prefix + secrets.token_urlsafe(15)
    at = services.clock.now()
    with services.uow() as uow:
        existing = uow.repo(UserRepository).by_username(username)
    if existing is None:
        accounts.create_user(
            services.uow(),
            services.auth,
            username=username,
            password=password,
            role=role,
            district=district,
            full_name=full_name,
            phone=None,
            by=by,
            at=at,
        )
    else:
        accounts.reset_password(
            services.uow(), services.auth, user_id=existing.id, password=password, by=by, at=at
        )
        accounts.unlock_user(services.uow(), user_id=existing.id, by=by, at=at)
    return Account(username, district, password)


def issue_partner_keys(
    services: Services, *, by: Actor, lifetime: timedelta, label: str, action: str
) -> list[PartnerAccess]:
    """One new key for each enabled partner (`<code>-<label>-<random>`), expiring after `lifetime`, each
    audited as `action` by `by`; the partners' other keys are left alone."""
    at = services.clock.now()
    issued = []
    with services.uow() as uow:
        repo = uow.repo(PartnerRepository)
        for partner in repo.all():
            if not partner.enabled:
                continue
            key = PartnerKey(
                f"{partner.code}-{label}-{secrets.token_hex(5)}",
                partner.code,
                secrets.token_urlsafe(32),
                at,
                at + lifetime,
            )
            repo.add_key(key, services.auth.box)
            uow.audit(
                by,
                action,
                object_type="partner",
                object_id=partner.code,
                at=at,
                detail={"key_id": key.key_id, "expires_at": (at + lifetime).isoformat()},
            )
            issued.append(PartnerAccess(partner.code, key.key_id, key.secret))
        uow.commit()
    return issued


def _account(services: Services, role: Role, district: str) -> Account:
    return ensure_account(
        services,
        username=sim_username(role, district),
        role=role,
        district=district,
        full_name=f"{FULL_NAMES[role]} ({district})",
        by=DEMO_ACTOR,
        password_prefix="Sim-",  # noqa: S106 - a readable start; the rest is random
    )


def provision(services: Services, districts: list[str] | None = None) -> SimAccess:
    """Accounts for every district of the district map (or those given) and fresh partner keys."""
    if districts is None:
        features = geo_service.district_map(services.uow())["features"]
        districts = sorted(f["properties"]["code"] for f in features)
    return SimAccess(
        call_takers={d: _account(services, Role.CALL_TAKER, d) for d in districts},
        dispatchers={d: _account(services, Role.DISPATCHER, d) for d in districts},
        # One more key per enabled partner, valid for a week.
        partners=issue_partner_keys(
            services, by=DEMO_ACTOR, lifetime=SIM_KEY_LIFETIME, label="sim", action="partner.demo_key"
        ),
    )
