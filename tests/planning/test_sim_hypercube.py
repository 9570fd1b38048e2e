"""With exponential service and the same preferences, the simulation's unit workloads agree with the exact
hypercube (infinite-line-capacity model, `kuzet.planning.hypercube.solve_exact`).

The instance: four patrol cars posted at the corners of a small street grid, calls from six atoms (grid nodes)
at uneven Poisson rates, priority 2, handled at once (no call-takers, no turnout), each with an exponential
time on scene. The recommender policy sends the free unit with the shortest road ETA; calls that find every
unit busy wait in one first-come-first-served line, taken by the first unit to clear.

Assumptions, so that the two models describe the same system:
- The grid's blocks are about a metre long, so a drive takes a fraction of a second against a mean of an hour
  on scene. A unit's service time in the simulation is then its exponential time on scene (plus a negligible
  drive), which is the hypercube's service time, with rate μ = 1 per hour for every unit; the drive back to
  the post is over before the next call can tell.
- The preference lists come from the simulation's own road times (`TravelTable.to_node_all`, nearest first,
  `preferences_from_travel_times`), ties to the lower unit number as the simulation's arg-min breaks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from kuzet.incidents.catalogue import Group
from kuzet.planning.history import Draws
from kuzet.planning.hypercube import build_model, preferences_from_travel_times, solve_exact
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.results import replications
from kuzet.planning.scenario import Scenario, UnitSpec
from kuzet.planning.travel import TravelTable
from kuzet.units.domain import UnitType
from tests.planning.sim_support import ExponentialDemand, grid

SIDE = 4
POSTS = (0, 3, 12, 15)  # the grid's corners
ATOMS = (1, 2, 4, 7, 9, 14)
RATES_PER_H = (0.9, 0.3, 0.6, 0.2, 0.5, 0.3)  # 2.8 calls an hour on 4 units: ρ = 0.7
MEAN_ON_SCENE_H = 1.0


@dataclass
class AtomDemand(ExponentialDemand):
    """Calls from the atoms in proportion to their rates, each with an exponential time on scene."""

    atoms: tuple[int, ...] = ATOMS
    weights: tuple[float, ...] = field(default_factory=lambda: RATES_PER_H)

    def draw(self, rng: np.random.Generator, n: int) -> Draws:
        share = np.asarray(self.weights) / sum(self.weights)
        return Draws(
            priority=np.full(n, 2, dtype=np.int64),
            group=[Group.OTHER] * n,
            district=np.zeros(n, dtype=np.int64),
            node=rng.choice(np.asarray(self.atoms, dtype=np.int64), size=n, p=share),
            handling=np.zeros(n),
            turnout=np.zeros(n),
            on_scene=rng.exponential(self.mean_on_scene_s, size=n),
        )


def test_simulated_workloads_agree_with_the_exact_hypercube() -> None:
    graph = grid(side=SIDE, spacing_deg=1e-5)
    units = tuple(UnitSpec(f"U{i}", UnitType.PATROL_CAR, "one", node) for i, node in enumerate(POSTS))
    scenario = Scenario(units)  # the recommender policy, no call-takers
    travel = TravelTable(graph, list(POSTS))
    times = np.column_stack([travel.to_node_all(atom) for atom in ATOMS])  # units × atoms, seconds
    assert times.max() < 2.0  # drives are negligible against an hour on scene (the docstring's assumption)
    preferences = preferences_from_travel_times(times)
    model = build_model(RATES_PER_H, preferences, mean_service_times=[MEAN_ON_SCENE_H] * len(POSTS))
    exact = solve_exact(model).workloads

    demand = AtomDemand(districts=["one"], mean_on_scene_s=MEAN_ON_SCENE_H * 3600.0)
    profile = ArrivalProfile.flat(sum(RATES_PER_H))
    result = replications(
        scenario, travel, demand, profile, start=datetime(2025, 1, 6, tzinfo=UTC), hours=3000, seeds=range(10)
    )
    for unit, expected in zip(units, exact, strict=True):
        estimate = result[f"utilisation.{unit.call_sign}"]
        assert estimate.holds(float(expected)), (unit.call_sign, estimate, float(expected))
        # The intervals are narrow enough to tell the units apart.
        assert estimate.high - estimate.low < 0.05, estimate
    # The instance is not symmetric: the preferences make the workloads differ by more than the intervals,
    # so the same share for every unit (ρ = λ/(Nμ), what M/M/c says) is refused for at least one of them.
    assert exact.max() - exact.min() > 0.1, exact
    even = sum(RATES_PER_H) * MEAN_ON_SCENE_H / len(POSTS)
    assert not all(result[f"utilisation.{u.call_sign}"].holds(even) for u in units)
