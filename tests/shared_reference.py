"""Pytest plugin for tests marked `shared_reference`: they need the shared-only material (EIDO, UCRI).

When the shared folder is found, nothing changes. When it is not (a fresh clone with no ../shared beside it),
the marked tests are deselected, and the end of the run prints exactly one line naming them. With
KUZET_REQUIRE_SHARED_REFERENCE=1 (CI sets it), a missing folder is an error and the run fails instead.
Registered from tests/conftest.py.
"""

from __future__ import annotations

import os

import pytest

from tests.reference import find_shared_reference_data, shared_reference_location

MARKER = "shared_reference"
REQUIRE_VARIABLE = "KUZET_REQUIRE_SHARED_REFERENCE"
_not_run = pytest.StashKey[list[str]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get(REQUIRE_VARIABLE) == "1" and find_shared_reference_data() is None:
        raise pytest.UsageError(
            f"shared reference data not found ({shared_reference_location()}), and {REQUIRE_VARIABLE}=1 "
            "requires it: put the shared folder beside the clone or name it with KUZET_REFERENCE_DATA"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if find_shared_reference_data() is not None:
        return
    needing = [item for item in items if item.get_closest_marker(MARKER) is not None]
    if not needing:
        return
    config.hook.pytest_deselected(items=needing)
    items[:] = [item for item in items if item.get_closest_marker(MARKER) is None]
    config.stash[_not_run] = [item.nodeid for item in needing]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    names = config.stash.get(_not_run, [])
    if not names:
        return
    count = f"{len(names)} test{'s' if len(names) != 1 else ''}"
    where = shared_reference_location()
    terminalreporter.write_line(
        f"shared reference data not found ({where}): {count} skipped: {', '.join(names)}",
        yellow=True,
        bold=True,
    )
