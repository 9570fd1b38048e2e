"""Fixtures of the auth tests: a throttle whose waits no slow machine outruns; counted password checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from kuzet.container import Services
from kuzet.core.auth.credentials import Passwords


class CountingPasswords(Passwords):
    """The real argon2 check, counting how often it runs."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        super().__init__(time_cost=time_cost, memory_kib=memory_kib)
        self.verified = 0

    def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified += 1
        return super().verify(password_hash, password)


@pytest.fixture
def patient_throttle(services: Services) -> Iterator[None]:
    """The live server's throttle with a first wait of ten minutes: a count that starts waiting still waits
    when the next request arrives, however slow the machine."""
    original = services.auth
    policy = dataclasses.replace(original.throttle, first_delay=timedelta(minutes=10))
    services.auth = dataclasses.replace(original, throttle=policy)
    yield
    services.auth = original


@pytest.fixture
def password_checks(services: Services) -> Iterator[CountingPasswords]:
    """The live server's password checks, counted."""
    original = services.auth
    settings = services.settings
    counting = CountingPasswords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    services.auth = dataclasses.replace(original, passwords=counting)
    yield counting
    services.auth = original
