"""`kuzet demo --no-serve`: accounts for every role with printed passwords, forty units on shift in the demo
districts, and a simulated past year."""

from __future__ import annotations

import re

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.auth import service
from kuzet.units import service as units
from kuzet.units.positions import service as positions
from tests.conftest import run_cli


def test_demo_prints_working_passwords_and_puts_units_on_shift(services: Services) -> None:
    outputs = []
    for _ in range(2):  # a second run re-keys the users and keeps the units and partners
        result = run_cli(services, "demo", "--no-serve", extra_env={"KUZET_DEMO_HISTORY_INCIDENTS": "300"})
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    first = outputs[0]
    passwords = dict(re.findall(r"user=(\S+)\s+role=\S+\s+password=(\S+)", result.stdout))
    assert set(passwords) == {"admin", "supervisor", "dispatcher", "calltaker", "analyst"}
    assert "totp_secret=" in result.stdout
    logged = service.login(
        services.uow(),
        services.auth,
        username="dispatcher",
        password=passwords["dispatcher"],
        totp_code=None,
        source=None,
        at=services.clock.now(),
    )
    assert logged.user.role.value == "dispatcher"
    board = units.roster(services.uow(), by=Actor.system("test"))
    assert len(board) == 40 and {u.status.value for u in board} == {"available"}
    assert set(re.findall(r"partner=(\w+)", first)) == {"police102", "egov", "kaspi", "halyk"}
    assert "partner=" not in result.stdout  # secrets are shown once, on the first run
    # The demo region's map is loaded and every demo unit stands at its post on it.
    assert services.settings.roads_file.exists() and services.settings.gazetteer_file.exists()
    placed = positions.latest(services.uow(), by=Actor.system("test"))
    assert len(placed) == 40 and all(p.road_distance_m is not None for _, _, p in placed)
    assert "Past year: 300 closed incidents" in first and "Past year" not in result.stdout  # loaded once
