"""A command pays for the libraries it uses, and no other command does.

`kuzet --help`, the help of `kuzet user` and `kuzet audit verify`, and running `kuzet user list` and
`kuzet audit verify` load none of the chart, PDF and spreadsheet libraries, nor the analytics engine (DuckDB,
Arrow, numba); the help loads no geography library either (scipy, osmium). `kuzet report` does load the chart
libraries: it is the command that draws. The server builds its app without the analytics engine, and still
refuses to start on a bad analytics setting.

The installed `kuzet` script runs as an operator runs it, with PYTHONPROFILEIMPORTTIME=1: Python then writes
one line to stderr for every module imported, at start-up or later inside a function. How long start-up takes
is measured by `make bench` (benchmarks/startup.py), not here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kuzet.container import Services
from tests.conftest import KUZET_COMMAND, run_cli
from tests.processes import kuzet_env

CHARTS = ("matplotlib", "reportlab", "openpyxl")
ANALYTICS_ENGINE = ("duckdb", "pyarrow", "numba", "pandas")
GEOGRAPHY = ("scipy", "osmium")
HEAVY = CHARTS + ANALYTICS_ENGINE + GEOGRAPHY


def imported(stderr: str) -> set[str]:
    """The top-level packages of the modules that Python reported importing (PYTHONPROFILEIMPORTTIME=1)."""
    found = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                found.add(name.split(".")[0])
    return found


def profiled(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**(env or os.environ), "PYTHONPROFILEIMPORTTIME": "1", "COLUMNS": "200"}


def help_of(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KUZET_COMMAND, *args, "--help"],
        env=profiled(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", [(), ("user",), ("audit", "verify")], ids=" ".join)
def test_help_loads_no_heavy_library(command: tuple[str, ...]) -> None:
    result = help_of(*command)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Usage" in result.stdout
    loaded = imported(result.stderr)
    assert "typer" in loaded and "kuzet" in loaded  # the probe sees the imports
    assert not loaded & set(HEAVY), f"`kuzet {' '.join(command)} --help` loads {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("command", [("user", "list"), ("audit", "verify")], ids=" ".join)
def test_user_and_audit_commands_load_no_chart_library_nor_analytics_engine(
    services: Services, command: tuple[str, ...]
) -> None:
    result = run_cli(services, *command, extra_env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = imported(result.stderr)
    assert "sqlalchemy" in loaded  # it did reach the database
    unwanted = loaded & set(CHARTS + ANALYTICS_ENGINE)
    assert not unwanted, f"`kuzet {' '.join(command)}` loads {sorted(unwanted)}"


def test_the_probe_sees_the_chart_libraries_that_kuzet_report_loads(
    services: Services, tmp_path: Path
) -> None:
    """The check can fail: the command that draws charts is seen loading them."""
    target = tmp_path / "report.html"
    result = run_cli(
        services,
        *("report", "--year", "2026", "--format", "html", "--out", str(target)),
        extra_env={"PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert target.read_bytes().startswith(b"<!doctype html>")
    assert {"matplotlib", "duckdb"} <= imported(result.stderr)


APP_PROBE = """
import sys
from kuzet.app import create_app
from kuzet.config import ConfigError, Settings
settings = Settings()
create_app(settings)
print("built without:", *sorted(set(sys.argv[1:]) - set(sys.modules)))
try:
    create_app(settings.model_copy(update={"analytics_intervals": {"to_close": ["received_at"]}}))
except ConfigError as exc:
    print("refused:", exc)
print("still without:", *sorted(set(sys.argv[1:]) - set(sys.modules)))
"""


def test_the_app_is_built_without_the_analytics_engine_and_refuses_a_bad_analytics_setting(
    services: Services,
) -> None:
    """Building the app (as a worker does before it serves) imports no analytics engine and no chart library;
    a bad analytics setting is still found before the start, without the engine."""
    env = kuzet_env(services.settings)
    watched = CHARTS + ANALYTICS_ENGINE
    result = subprocess.run(
        [sys.executable, "-c", APP_PROBE, *watched],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].split()[2:] == sorted(watched)
    assert lines[1].startswith("refused:") and "KUZET_ANALYTICS_INTERVALS" in lines[1]
    assert lines[2].split()[2:] == sorted(watched)
