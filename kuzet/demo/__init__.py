"""The living demo ЦОУ: seed data, the demo world, a simulated past year, live traffic and simulated units.

seed.py      demo users, the first seven units, the Andorra map, the partner apps
world.py     districts (Andorra's parishes), forty units with crews, their posts on the roads
history.py   one simulated past year of closed incidents (history_store.py writes it)
traffic.py   appeals through 102 and the partner apps at the hourly profile (profile.py, callers.py)
fleet.py     simulated units working every active assignment; dispatcher.py sends the waiting ones
runner.py    traffic and fleet in one loop on demo time; live.py sets it up; cli.py: the commands
"""

from kuzet.demo.access import SimAccess, provision
from kuzet.demo.history import HISTORY_MARK, Loaded, load_history
from kuzet.demo.live import prepare
from kuzet.demo.profile import rate_per_hour
from kuzet.demo.runner import Background, Options, Simulation
from kuzet.demo.seed import (
    DEMO_ACTOR,
    DEMO_MAP,
    DEMO_POSTS,
    DEMO_UNITS,
    DEMO_USERS,
    seed_demo_map,
    seed_demo_partners,
    seed_demo_positions,
    seed_demo_units,
    seed_demo_users,
)
from kuzet.demo.world import PARISHES, ROSTER, World, demo_posts, district_map, seed_demo_world

__all__ = [
    "DEMO_ACTOR",
    "DEMO_MAP",
    "DEMO_POSTS",
    "DEMO_UNITS",
    "DEMO_USERS",
    "HISTORY_MARK",
    "PARISHES",
    "ROSTER",
    "Background",
    "Loaded",
    "Options",
    "SimAccess",
    "Simulation",
    "World",
    "demo_posts",
    "district_map",
    "load_history",
    "prepare",
    "provision",
    "rate_per_hour",
    "seed_demo_map",
    "seed_demo_partners",
    "seed_demo_positions",
    "seed_demo_units",
    "seed_demo_users",
    "seed_demo_world",
]
