"""Helpers for tests that need users logged in, including roles that must have a second factor."""

from __future__ import annotations

import httpx
import pyotp

from kuzet.container import Services
from kuzet.core.auth.domain import Role, User
from kuzet.core.auth.store import UserRepository
from tests.conftest import PASSWORD, LiveServer, MakeUser, bearer, login


def enrol_totp(services: Services, user: User) -> str:
    """Give the user a confirmed second factor directly in the store; return its secret."""
    secret = pyotp.random_base32()
    with services.uow() as uow:
        uow.repo(UserRepository).update(
            user.id, totp_secret=services.auth.box.seal(secret), totp_confirmed=True
        )
        uow.commit()
    return secret


def logged_in(
    client: httpx.Client,
    services: Services,
    make_user: MakeUser,
    username: str,
    role: Role,
    district: str | None = "central",
) -> tuple[User, dict[str, str]]:
    """Create a user of the role (with a second factor where the role needs one) and log in."""
    user = make_user(username, role, district)
    code = None
    if role.value in services.auth.totp_roles:
        code = pyotp.TOTP(enrol_totp(services, user)).now()
    return user, bearer(login(client, username, PASSWORD, code))


def client_from(server: LiveServer, address: str) -> httpx.Client:
    """A client whose requests come from another loopback address (Linux answers all of 127.0.0.0/8)."""
    return httpx.Client(base_url=server.url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def wrong_login(client: httpx.Client, username: str) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": "wrong-password-1"})
