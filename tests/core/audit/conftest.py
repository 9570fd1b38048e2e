"""Every test here starts without a checkpoint file: the database is emptied before each test, so
checkpoints left by an earlier test (or by a server run with its background tasks) would vouch for rows
that are gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kuzet.config import Settings


@pytest.fixture(autouse=True)
def no_checkpoints_left_over(request: pytest.FixtureRequest) -> Iterator[None]:
    if "services" not in request.fixturenames:
        yield
        return
    settings: Settings = request.getfixturevalue("settings")
    settings.audit_checkpoint_file.unlink(missing_ok=True)
    yield
    settings.audit_checkpoint_file.unlink(missing_ok=True)
