"""The demo ЦОУ: one account per role, units on shift at posts on the demo map, and the four partner apps."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from kuzet.cctv.buildings_osm import read_footprints
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.auth import accounts
from kuzet.core.auth.credentials import new_totp_secret
from kuzet.core.auth.domain import Role
from kuzet.core.auth.store import UserRepository
from kuzet.geo.gazetteer_osm import build_gazetteer
from kuzet.geo.osm import import_osm
from kuzet.partners import service as partners
from kuzet.partners.domain import ALL_SCOPES, KNOWN_PARTNERS, Partner
from kuzet.partners.store import PartnerRepository
from kuzet.units import service as units
from kuzet.units.domain import CrewMember, UnitType
from kuzet.units.positions import service as positions
from kuzet.units.positions.domain import Fix
from kuzet.units.store import UnitRepository

DEMO_ACTOR = Actor.system("demo")
# A unit that reported its position this recently is not put back at its post by a new `kuzet demo`.
FRESH_POSITION = timedelta(minutes=15)

DEMO_USERS: tuple[tuple[str, Role, str | None, str], ...] = (
    ("admin", Role.ADMIN, None, "Demo Administrator"),
    ("supervisor", Role.SUPERVISOR, None, "Demo Supervisor"),
    ("dispatcher", Role.DISPATCHER, "central", "Demo Dispatcher"),
    ("calltaker", Role.CALL_TAKER, "central", "Demo Call-taker"),
    ("analyst", Role.ANALYST, "central", "Demo Analyst"),
)


def _demo_password() -> str:
    return "Demo-" + secrets.token_urlsafe(9)


def seed_demo_users(services: Services) -> list[tuple[str, str, str, str | None]]:
    """Create (or re-key) one account per role. Returns (username, role, password, TOTP secret or None)."""
    printed = []
    now = services.clock.now()
    for username, role, district, full_name in DEMO_USERS:
        password = _demo_password()
        uow = services.uow()
        with uow:
            existing = uow.repo(UserRepository).by_username(username)
        if existing is None:
            user = accounts.create_user(
                uow,
                services.auth,
                username=username,
                password=password,
                role=role,
                district=district,
                full_name=full_name,
                phone=None,
                by=DEMO_ACTOR,
                at=now,
            )
        else:
            user = accounts.reset_password(
                uow, services.auth, user_id=existing.id, password=password, by=DEMO_ACTOR, at=now
            )
            accounts.unlock_user(uow, user_id=user.id, by=DEMO_ACTOR, at=now)
        secret = None
        if role.value in services.settings.totp_required_roles:
            secret = _enrol_demo_totp(services, user.id)
        printed.append((username, role.value, password, secret))
    return printed


def _enrol_demo_totp(services: Services, user_id: int) -> str:
    """Demo accounts that must have a second factor get one enrolled, and its secret is printed."""

    secret = new_totp_secret()
    with services.uow() as uow:
        uow.repo(UserRepository).update(
            user_id, totp_secret=services.auth.box.seal(secret), totp_confirmed=True, totp_last_step=None
        )
        uow.audit(DEMO_ACTOR, "user.demo_totp", object_type="user", object_id=user_id)
        uow.commit()
    return secret


DEMO_UNITS: tuple[tuple[str, UnitType, tuple[str, ...]], ...] = (
    ("Беркут-1", UnitType.PATROL_CAR, ("Ерлан Сейтов", "Нурлан Абенов")),
    ("Беркут-2", UnitType.PATROL_CAR, ("Данияр Омаров", "Арман Жумабеков")),
    ("Беркут-3", UnitType.PATROL_CAR, ("Асхат Мусин", "Ержан Касымов")),
    ("Сункар-1", UnitType.RAPID_RESPONSE, ("Болат Ахметов", "Руслан Ибраев", "Серик Тлеуов")),
    ("ДПС-1", UnitType.TRAFFIC_POLICE, ("Азамат Нургалиев",)),
    ("УУП-1", UnitType.DISTRICT_INSPECTOR, ("Айгуль Сарсенова",)),
    ("Пеший-1", UnitType.FOOT_PATROL, ("Темирлан Беков", "Алмас Утегенов")),
)


def seed_demo_units(services: Services, district: str = "central") -> None:
    """Put the demo units on the roster and on shift (units already there are left as they are)."""
    at = services.clock.now()
    for call_sign, unit_type, crew in DEMO_UNITS:
        with services.uow() as uow:
            exists = uow.repo(UnitRepository).by_call_sign(call_sign) is not None
        if exists:
            continue
        unit = units.create(
            services.uow(),
            call_sign=call_sign,
            unit_type=unit_type,
            district=district,
            crew=tuple(CrewMember(name) for name in crew),
            by=DEMO_ACTOR,
            at=at,
        )
        units.shift(services.uow(), unit_id=unit.id, on_duty=True, crew=None, by=DEMO_ACTOR, at=at)


# Where the demo units stand when the demo starts: streets of Andorra la Vella and Escaldes-Engordany.
DEMO_POSTS: dict[str, tuple[float, float]] = {
    "Беркут-1": (42.5078, 1.5236),
    "Беркут-2": (42.5102, 1.5372),
    "Беркут-3": (42.4960, 1.5130),
    "Сункар-1": (42.5090, 1.5300),
    "ДПС-1": (42.5030, 1.5160),
    "УУП-1": (42.5060, 1.5200),
    "Пеший-1": (42.5070, 1.5215),
}
DEMO_MAP = Path(__file__).parents[1] / "demo_map" / "andorra.osm.pbf"


def seed_demo_map(services: Services) -> bool:
    """Import the shipped Andorra extract as the demo map, unless a map is there. True if it imported it."""
    settings = services.settings
    # The buildings that block the cameras' lines of sight (the data folder of an older demo lacks them).
    if not settings.buildings_file.exists():
        read_footprints(DEMO_MAP).save(settings.buildings_file)
    if settings.roads_file.exists() and settings.gazetteer_file.exists():
        return False
    settings.roads_file.parent.mkdir(parents=True, exist_ok=True)
    import_osm(DEMO_MAP).graph.save(settings.roads_file)
    build_gazetteer(DEMO_MAP).save(settings.gazetteer_file)
    services.geo.reload()
    return True


def seed_demo_positions(services: Services, posts: Mapping[str, tuple[float, float]] | None = None) -> int:
    """Report each demo unit at its post now, so recommendations work from the first minute. Returns how many.

    A unit that reported lately is left where it is: after a restart the simulation drives it home, and a
    sudden jump back to the post would be refused as a move no car could make."""
    now = services.clock.now()
    wanted = DEMO_POSTS if posts is None else posts
    recent = {
        sign
        for sign, _, position in positions.latest(services.uow(), by=DEMO_ACTOR)
        if now - position.at < FRESH_POSITION
    }
    fixes = [Fix(sign, now, lat, lon, 0.0) for sign, (lat, lon) in wanted.items() if sign not in recent]
    if not fixes:
        return 0
    positions.ingest(
        services.uow(),
        fixes,
        rules=positions.fix_rules(services.settings),
        snap=services.geo.snap,
        source="demo",
        by=DEMO_ACTOR,
        at=now,
    )
    return len(fixes)


def seed_demo_partners(services: Services) -> list[tuple[str, str, str]]:
    """Register the four «Закон и порядок» apps, if absent. Returns (code, key id, secret) of the new ones."""
    issued = []
    for code, name in KNOWN_PARTNERS.items():
        with services.uow() as uow:
            exists = uow.repo(PartnerRepository).find(code) is not None
        if exists:
            continue
        partner = Partner(code, name, True, None, ALL_SCOPES, 600)
        done = partners.create(
            services.uow(), services.auth.box, partner=partner, by=DEMO_ACTOR, at=services.clock.now()
        )
        issued.append((code, done.key.key_id, done.key.secret))
    return issued
