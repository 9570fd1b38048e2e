"""`kuzet loadtest --prepare`: the accounts, partner keys and units a load test needs, and its places.

It runs where the deployment's database is reachable, and does through the services what the commands
`kuzet user add`, `kuzet partner add` / `rotate` and the units' roster do:
- a call-taker and a dispatcher per district (`load-calltaker-<district>`, `load-dispatcher-<district>`),
  with new random passwords at each run. They need no second factor unless KUZET_TOTP_REQUIRED_ROLES names
  their roles, in which case it refuses;
- the four «Закон и порядок» apps (added if absent), each with a new key valid for a week;
- units on shift up to the count asked (200 by default): the roster's own first, then `Нагрузка-NNN` units
  shared between the districts by their share of appeals, each with a first position on a road of its
  district;
- places to draw appeals from, by district (addresses of the gazetteer and points on roads), as the demo.
Needs the road map and the district map (`kuzet demo --no-serve`, or `kuzet import-osm` and
`kuzet import-districts`).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Final

import numpy as np

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Role
from kuzet.demo.access import ROLE_NAMES, Account, PartnerAccess, ensure_account, issue_partner_keys
from kuzet.demo.places import Place, Places
from kuzet.demo.seed import seed_demo_partners, seed_demo_positions
from kuzet.demo.world import PARISH_SHARES, PARISHES, choose_posts, crew_of
from kuzet.operations.loadtest_access import LoadAccess
from kuzet.units import service as units
from kuzet.units.domain import UnitStatus, UnitType

LOAD_ACTOR: Final = Actor.system("loadtest")
KEY_LIFETIME: Final = timedelta(days=7)
PLACES_PER_DISTRICT: Final = 150
UNIT_PREFIX: Final = "Нагрузка-"


class CannotPrepare(RuntimeError):
    """The installation lacks something the load test needs: the message says what."""


def _login(services: Services, role: Role, district: str) -> Account:
    return ensure_account(
        services,
        username=f"load-{ROLE_NAMES[role]}-{district}",
        role=role,
        district=district,
        full_name=f"Нагрузочный тест ({district})",
        by=LOAD_ACTOR,
        password_prefix="Load-",  # noqa: S106 - a readable start; the rest is random
    )


def _partner_keys(services: Services) -> list[PartnerAccess]:
    """The four apps (added if absent), and one new key for each enabled partner, valid for a week."""
    seed_demo_partners(services)
    return issue_partner_keys(
        services, by=LOAD_ACTOR, lifetime=KEY_LIFETIME, label="load", action="partner.load_key"
    )


def _units(services: Services, wanted: int, shares: dict[str, float]) -> int:
    """Units on shift up to `wanted`; returns how many were created. New units report at a post on a road."""
    at = services.clock.now()
    roster = units.roster(services.uow(), by=LOAD_ACTOR)
    for unit in roster:
        if unit.call_sign.startswith(UNIT_PREFIX) and unit.status == UnitStatus.OFF_DUTY:
            units.shift(services.uow(), unit_id=unit.id, on_duty=True, crew=None, by=LOAD_ACTOR, at=at)
    on_shift = sum(
        1 for u in roster if u.status != UnitStatus.OFF_DUTY or u.call_sign.startswith(UNIT_PREFIX)
    )
    missing = max(0, wanted - on_shift)
    taken = {u.call_sign for u in roster}
    codes = sorted(shares)
    weights = np.array([shares[c] for c in codes], dtype=np.float64)
    quota = Counter(
        {c: int(n) for c, n in zip(codes, np.floor(weights / weights.sum() * missing), strict=True)}
    )
    for code in codes[: missing - sum(quota.values())]:
        quota[code] += 1
    wanted_signs: dict[str, list[str]] = {}
    number = 0
    for code in codes:
        signs: list[str] = []
        while len(signs) < quota[code]:
            number += 1
            if (sign := f"{UNIT_PREFIX}{number:03d}") not in taken:
                signs.append(sign)
        for index, sign in enumerate(signs):
            unit = units.create(
                services.uow(),
                call_sign=sign,
                unit_type=UnitType.PATROL_CAR,
                district=code,
                crew=crew_of(number + index, UnitType.PATROL_CAR),
                by=LOAD_ACTOR,
                at=at,
            )
            units.shift(services.uow(), unit_id=unit.id, on_duty=True, crew=None, by=LOAD_ACTOR, at=at)
        wanted_signs[code] = signs
    roads, districts = services.geo.roads, services.geo.districts
    if roads is not None and districts is not None and missing:
        seed_demo_positions(services, choose_posts(roads.graph, districts, wanted_signs, PARISHES))
    return missing


def prepare(
    services: Services, *, units_wanted: int = 200, seed: int | None = None
) -> tuple[LoadAccess, int]:
    """The load test's access (accounts, keys, places), with units on shift; returns it and the units made."""
    needs_code = {Role.CALL_TAKER.value, Role.DISPATCHER.value} & set(services.settings.totp_required_roles)
    if needs_code:
        raise CannotPrepare(
            f"KUZET_TOTP_REQUIRED_ROLES names {', '.join(sorted(needs_code))}: the load test logs in without "
            "a second factor; run it against a deployment whose call-takers and dispatchers need none"
        )
    roads, districts = services.geo.roads, services.geo.districts
    if roads is None or districts is None or not len(districts):
        raise CannotPrepare(
            "the load test needs the road map and the district map (see `kuzet demo --no-serve`)"
        )
    codes = sorted(districts.codes)
    shares = {code: PARISH_SHARES.get(code, 1.0 / len(codes)) for code in codes}
    rng = np.random.default_rng(seed)
    places = Places.build(roads.graph, services.geo.gazetteer, districts, shares, rng)
    created = _units(services, units_wanted, shares)

    def sample(pool: list[Place]) -> list[Place]:
        if len(pool) <= PLACES_PER_DISTRICT:
            return pool
        return [pool[int(i)] for i in rng.choice(len(pool), PLACES_PER_DISTRICT, replace=False)]

    access = LoadAccess(
        call_takers={d: _login(services, Role.CALL_TAKER, d) for d in codes},
        dispatchers={d: _login(services, Role.DISPATCHER, d) for d in codes},
        partners=_partner_keys(services),
        addresses={d: sample(list(places.addresses.get(d, []))) for d in places.codes},
        road_points={d: sample(list(places.road_points.get(d, []))) for d in places.codes},
        shares={d: shares[d] for d in places.codes},
    )
    return access, created
