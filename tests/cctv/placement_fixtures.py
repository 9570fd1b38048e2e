"""Fixtures of the placement plan's tests: the demo's world over the real Andorra map and a simulated past
year of incidents, as `kuzet demo` loads them."""

from __future__ import annotations

import pytest

from kuzet.container import Services
from kuzet.core.clock import to_local
from kuzet.demo.history import load_history
from kuzet.demo.seed import seed_demo_positions, seed_demo_units
from kuzet.demo.world import seed_demo_world
from kuzet.geo.runtime import Roads

HISTORY_INCIDENTS = 400


@pytest.fixture
def demo_year(services: Services, andorra_roads: Roads, andorra_gazetteer: None) -> int:
    """The demo's world and its simulated past year: the number of incidents loaded."""
    services.geo.reload()
    seed_demo_units(services)
    seed_demo_positions(services)
    seed_demo_world(services)
    loaded = load_history(services, incidents=HISTORY_INCIDENTS)
    assert loaded.incidents == HISTORY_INCIDENTS
    return loaded.incidents


def whole_history(services: Services) -> str:
    """The local years the simulated past year falls in (it ends now)."""
    year = to_local(services.clock.now()).year
    return f"{year - 1}..{year}"
