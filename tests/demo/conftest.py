"""Fixtures of the demo: its world seeded over the real Andorra map, in a database emptied for the test."""

from __future__ import annotations

import pytest

from kuzet.container import Services
from kuzet.demo.seed import seed_demo_positions, seed_demo_units
from kuzet.demo.world import World, seed_demo_world
from kuzet.geo.runtime import Roads


@pytest.fixture
def world(services: Services, andorra_roads: Roads, andorra_gazetteer: None) -> World:
    """The first seven units at their posts, then the districts and the other units, as `kuzet demo` does."""
    services.geo.reload()  # the district map of an earlier test is gone with its rows
    seed_demo_units(services)
    seed_demo_positions(services)
    return seed_demo_world(services)
