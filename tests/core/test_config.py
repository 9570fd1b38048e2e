"""Settings come from KUZET_* variables; a production server refuses a default or weak secret."""

from __future__ import annotations

import pytest

from kuzet.app import create_app
from kuzet.config import DEFAULT_SECRET_KEY, ConfigError, Mode, Settings
from kuzet.container import Services
from tests.conftest import run_cli


def test_settings_read_kuzet_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUZET_SESSION_IDLE_MINUTES", "20")
    monkeypatch.setenv("KUZET_TOTP_REQUIRED_ROLES", '["admin", "supervisor", "dispatcher"]')
    settings = Settings()
    assert settings.session_idle_minutes == 20
    assert settings.totp_required_roles == ["admin", "supervisor", "dispatcher"]


def test_production_refuses_the_default_secret_and_names_the_setting() -> None:
    settings = Settings(mode=Mode.PRODUCTION, secret_key=DEFAULT_SECRET_KEY)
    with pytest.raises(ConfigError, match="KUZET_SECRET_KEY"):
        create_app(settings)


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ConfigError, match="KUZET_SECRET_KEY"):
        Settings(mode=Mode.PRODUCTION, secret_key="short").check_safe_to_serve()


@pytest.mark.parametrize("mode", [Mode.DEMO, Mode.DEV, Mode.TEST])
def test_demo_and_dev_accept_the_default_secret(mode: Mode) -> None:
    Settings(mode=mode, secret_key=DEFAULT_SECRET_KEY).check_safe_to_serve()


def test_production_accepts_a_strong_secret() -> None:
    Settings(mode=Mode.PRODUCTION, secret_key="k" * 48).check_safe_to_serve()


def test_kuzet_serve_refuses_to_start_with_the_default_secret(services: Services) -> None:
    result = run_cli(
        services,
        "serve",
        "--port",
        "1",
        extra_env={"KUZET_MODE": "production", "KUZET_SECRET_KEY": DEFAULT_SECRET_KEY},
    )
    assert result.returncode == 2
    assert "KUZET_SECRET_KEY" in result.stderr
