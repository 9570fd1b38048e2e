"""`kuzet user add/lock/unlock/reset-2fa/list` against the real database."""

from __future__ import annotations

import subprocess

from kuzet.container import Services
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Role, User
from tests.conftest import MakeUser, run_cli
from tests.core.auth.helpers import enrol_totp


def user(services: Services, username: str) -> User:
    return accounts.find_by_username(services.uow(), username)


def add_disp7(services: Services, *options: str) -> subprocess.CompletedProcess[str]:
    return run_cli(services, "user", "add", "disp7", *options)


def test_add_creates_an_account(services: Services) -> None:
    result = add_disp7(
        services,
        "--role",
        "dispatcher",
        "--district",
        "central",
        "--full-name",
        "Данияр Омаров",
        "--password",
        "Steppe-Wind-2026",
    )
    assert result.returncode == 0, result.stderr
    created = user(services, "disp7")
    assert (created.role, created.district) == (Role.DISPATCHER, "central")


def test_add_refuses_a_weak_password_and_says_why(services: Services) -> None:
    result = add_disp7(
        services, "--role", "dispatcher", "--district", "central", "--full-name", "X", "--password", "short"
    )
    assert result.returncode == 1
    assert "password" in result.stderr and "10" in result.stderr


def test_add_refuses_a_dispatcher_without_district(services: Services) -> None:
    result = add_disp7(services, "--role", "dispatcher", "--full-name", "X", "--password", "Steppe-Wind-2026")
    assert result.returncode == 1
    assert "district" in result.stderr


def test_lock_and_unlock(services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    assert run_cli(services, "user", "lock", "disp1").returncode == 0
    assert user(services, "disp1").locked
    assert run_cli(services, "user", "unlock", "disp1").returncode == 0
    assert not user(services, "disp1").locked


def test_reset_2fa(services: Services, make_user: MakeUser) -> None:
    boss = make_user("boss", Role.SUPERVISOR, None)
    enrol_totp(services, boss)
    assert user(services, "boss").totp_enrolled
    result = run_cli(services, "user", "reset-2fa", "boss")
    assert result.returncode == 0, result.stderr
    assert not user(services, "boss").totp_enrolled


def test_unknown_user_is_an_error(services: Services) -> None:
    result = run_cli(services, "user", "lock", "ghost")
    assert result.returncode == 1
    assert "ghost" in result.stderr


def test_list_shows_accounts(services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    result = run_cli(services, "user", "list")
    assert result.returncode == 0
    assert "disp1" in result.stdout
