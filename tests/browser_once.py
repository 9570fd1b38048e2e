"""Pytest plugin: the browser tests run in the SQLite run only.

They drive the console in chromium; what they check of the server (every route, the live feed, the state
machines) the API and integration tests check on both databases. Running them a second time on PostgreSQL
doubled their share of `make test` without testing anything the first run did not. The PostgreSQL run
deselects them and says so in one line; KUZET_BROWSER_TESTS_ON_POSTGRES=1 runs them there too. Registered
from tests/conftest.py.
"""

from __future__ import annotations

import os

import pytest

_not_run = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("KUZET_TEST_BACKEND", "sqlite") == "postgresql"
    if not on_postgres or os.environ.get("KUZET_BROWSER_TESTS_ON_POSTGRES") == "1":
        return
    browser = [item for item in items if "browser" in getattr(item, "fixturenames", ())]
    if not browser:
        return
    config.hook.pytest_deselected(items=browser)
    items[:] = [item for item in items if "browser" not in getattr(item, "fixturenames", ())]
    config.stash[_not_run] = len(browser)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    count = config.stash.get(_not_run, 0)
    if count:
        terminalreporter.write_line(
            f"{count} browser tests ran in the SQLite run only "
            "(KUZET_BROWSER_TESTS_ON_POSTGRES=1 runs them here)",
            yellow=True,
        )
