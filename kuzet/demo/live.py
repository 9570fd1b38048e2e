"""Setting up the live simulation from this installation: its accounts and keys, the demo map's places and
posts, and a road router for the drive home. Used by `kuzet demo` and `kuzet simulate`."""

from __future__ import annotations

import numpy as np

from kuzet.config import Settings
from kuzet.container import Services
from kuzet.demo import access
from kuzet.demo.fleet import Router
from kuzet.demo.motion import LatLon
from kuzet.demo.places import Places
from kuzet.demo.runner import Options, Simulation
from kuzet.demo.world import PARISH_SHARES, demo_posts
from kuzet.geo.runtime import Roads


class NotReady(RuntimeError):
    """The simulation cannot start: the message says what is missing."""


def options_from(settings: Settings, *, speedup: float | None = None, seed: int | None = None) -> Options:
    return Options(
        speedup=speedup or settings.demo_speedup,
        traffic=settings.demo_traffic,
        appeals_per_hour=settings.demo_appeals_per_hour,
        seed=seed,
    )


def road_router(roads: Roads) -> Router:
    """Routes on the local road map: (points, car seconds) between two points, or None."""

    def route(start: LatLon, end: LatLon) -> tuple[list[LatLon], float] | None:
        try:
            found = roads.engine().route(roads.snapper.snap(*start), roads.snapper.snap(*end))
        except ValueError:
            return None
        return [start, *found.points, end], found.seconds

    return route


def prepare(services: Services, url: str, options: Options) -> Simulation:
    """A simulation of this installation's districts, units and partners against the server at `url`."""
    roads, districts = services.geo.roads, services.geo.districts
    if roads is None or districts is None:
        raise NotReady("the simulation needs the road map and the district map: run `kuzet demo --no-serve`")
    credentials = access.provision(services, list(districts.codes))
    rng = np.random.default_rng(options.seed)
    places = Places.build(roads.graph, services.geo.gazetteer, districts, PARISH_SHARES, rng)
    return Simulation(
        url,
        credentials,
        places=places,
        posts=demo_posts(services),
        router=road_router(roads),
        options=options,
    )
