"""The planner: how many patrol cars per district (and shift), posted where, meet a response target.

1. Posts. For a group (a district, or a district in one shift) and a number k of units, the posts are the k
   road-graph nodes that together reach the most priority-weighted incidents of the group's history within
   the target median travel time: maximal coverage, solved by the CCTV placement's MILP (HiGHS through
   `scipy.optimize.milp`). Candidate nodes are the nodes of the group's incidents; with more units than
   useful posts, the extra units double up on the heaviest posts.
2. Quick check. Each group starts at the fewest units for which Erlang C (a group as an M/M/c queue with
   the history's busy time per call) gives a chance of waiting for a unit at most `WAIT_MAX`.
3. Search. Each step simulates the plan (a few replications); while the targets are not met, every group is
   tried with one more unit and the one with the best gain in the share of calls within the target is kept,
   until the total reaches `units_max`. The cheapest plan that meets the targets is reported, or the best
   one found when none under `units_max` does.
A plan meets the targets when the mean over replications of the median and of the 90th percentile of
response is within their minutes; their 95 % intervals are reported beside.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from kuzet.cctv.placement_milp import solve_milp
from kuzet.core.clock import to_local
from kuzet.geo.graph import RoadGraph
from kuzet.planning.erlang import erlang_c
from kuzet.planning.errors import PlanningInputError
from kuzet.planning.history import History
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.results import Estimate, replications
from kuzet.planning.scenario import Policy, Scenario, duty_hours, parse_shift, scenario_from_plan
from kuzet.planning.travel import TravelTable, nearest_nodes

WAIT_MAX = 0.5  # the quick check's largest chance that a call waits for a unit
PRIORITY_WEIGHT = {1: 4.0, 2: 3.0, 3: 2.0, 4: 1.0}
MAX_CANDIDATES = 150  # candidate post nodes per group (the heaviest incident nodes)
MILP_TIME_LIMIT_S = 10.0


@dataclass(frozen=True)
class Targets:
    median_min: float
    p90_min: float

    def __post_init__(self) -> None:
        for name, value in (("target_median", self.median_min), ("target_p90", self.p90_min)):
            if not (math.isfinite(value) and value > 0):
                raise PlanningInputError(name, f"must be a positive number of minutes, not {value}")
        if self.p90_min < self.median_min:
            raise PlanningInputError("target_p90", "must not be below the target median")


@dataclass(frozen=True)
class Group:
    district: str
    shift: tuple[int, int] | None  # None: always on duty

    @property
    def label(self) -> str:
        return self.district + ("" if self.shift is None else f" {self.shift[0]:02d}-{self.shift[1]:02d}")


@dataclass(frozen=True)
class Step:
    """One simulated plan of the search."""

    counts: tuple[int, ...]  # units per group, in `PlanSearch.groups` order
    estimates: Mapping[str, Estimate]

    @property
    def units(self) -> int:
        return sum(self.counts)

    def figure(self, name: str) -> Estimate:
        return self.estimates.get(name, Estimate(math.nan, math.nan, math.nan, 0))

    def meets(self, targets: Targets) -> bool:
        median, p90 = self.figure("response.all.median_s").mean, self.figure("response.all.p90_s").mean
        return median <= targets.median_min * 60.0 and p90 <= targets.p90_min * 60.0


@dataclass
class PlanOutcome:
    groups: list[Group]
    steps: list[Step]  # every plan simulated, in order
    path: list[Step]  # the plans the search kept, one per total of units
    chosen: Step  # the cheapest meeting the targets, else the best found
    met: bool
    posts: dict[int, list[int]] = field(default_factory=dict)  # group index -> post nodes of `chosen`


def _shift_hours(shift: tuple[int, int] | None) -> np.ndarray:
    return duty_hours(() if shift is None else (shift,))


class PlanSearch:
    """The searcher over one history, road graph and target."""

    def __init__(
        self,
        history: History,
        graph: RoadGraph,
        targets: Targets,
        *,
        shifts: Sequence[str] = (),
        policy: Policy = Policy.RECOMMENDER,
        call_takers: int = 0,
        profile: ArrivalProfile | None = None,
    ) -> None:
        self.graph = graph
        self.targets = targets
        self.policy = policy
        self.call_takers = call_takers
        self.profile = profile or history.profile()
        self.demand = history.demand(lambda lat, lon: nearest_nodes(graph, lat, lon))
        spans: list[tuple[int, int] | None] = [parse_shift(s, f"shifts[{i}]") for i, s in enumerate(shifts)]
        self.groups = [Group(d, s) for d in self.demand.districts for s in spans or [None]]
        placed = [r for r in history.rows if r.get("lat") is not None and r.get("lon") is not None]
        self._hour = np.array([to_local(r["received_at"]).hour for r in placed], dtype=np.int64)
        self._weight = np.array([PRIORITY_WEIGHT.get(int(p), 1.0) for p in self.demand.priority])
        self._csr = csr_matrix(
            (graph.travel_seconds(), graph.head, graph.indptr), shape=(graph.node_count,) * 2
        )
        self._rates = self._group_rates(history)
        self._service_s = history.busy_seconds()
        self._coverage: dict[int, tuple[np.ndarray, Any, np.ndarray]] = {}
        self._posts: dict[tuple[int, int], list[int]] = {}

    def _mask(self, g: int) -> np.ndarray:
        group = self.groups[g]
        in_district = self.demand.district == self.demand.districts.index(group.district)
        mask: np.ndarray = in_district & _shift_hours(group.shift)[self._hour]
        return mask

    def _group_rates(self, history: History) -> list[float]:
        """Calls per hour of each group while it is on duty, over the history's span."""
        received = [r["received_at"] for r in history.rows]
        span_h = max(1.0, (max(received) - min(received)).total_seconds() / 3600.0)
        per_placed = len(history.rows) / max(1, len(self.demand.priority))  # calls without a place count too
        rates = []
        for g, group in enumerate(self.groups):
            hours_share = float(_shift_hours(group.shift).mean())
            rates.append(float(self._mask(g).sum()) * per_placed / (span_h * hours_share))
        return rates

    def handling_seconds(self) -> np.ndarray:
        """The history's handling times (receipt to first dispatch), every priority together."""
        pools = list(self.demand.handling_by_priority.values())
        return np.concatenate(pools) if pools else np.zeros(0)

    def fewest_units(self, g: int) -> int:
        """The quick check: the fewest units whose chance of a wait (Erlang C) is at most WAIT_MAX."""
        load = self._rates[g] * self._service_s / 3600.0
        c = max(1, math.floor(load) + 1)
        while erlang_c(c, load) > WAIT_MAX:
            c += 1
        return c

    def posts(self, g: int, k: int) -> list[int]:
        """The k post nodes of group g, by maximal coverage within the target median (cached)."""
        if (g, k) in self._posts:
            return self._posts[(g, k)]
        candidates, coverage, weights = self._group_coverage(g)
        chosen: list[int] = []
        if k > 0 and coverage.shape[1]:
            outcome = solve_milp(
                coverage, weights, np.arange(len(candidates), dtype=np.int64), np.ones(len(candidates)),
                new_cameras=k, budget=None, time_limit_s=MILP_TIME_LIMIT_S, mip_rel_gap=1e-4,
            )  # fmt: skip
            chosen = [int(candidates[o]) for o in outcome.options or ()]
        by_gain = [int(candidates[o]) for o in np.argsort(-(coverage @ weights))] or [self._fallback(g)]
        for node in by_gain:  # all covered with fewer posts: the rest double up on the heaviest nodes
            if len(chosen) >= k:
                break
            if node not in chosen:
                chosen.append(node)
        while len(chosen) < k:
            chosen.append(by_gain[len(chosen) % len(by_gain)])
        self._posts[(g, k)] = sorted(chosen[:k])
        return self._posts[(g, k)]

    def _fallback(self, g: int) -> int:
        nodes = self.demand.node[self.demand.district == self.demand.districts.index(self.groups[g].district)]
        return int(nodes[0]) if len(nodes) else 0

    def _group_coverage(self, g: int) -> tuple[np.ndarray, Any, np.ndarray]:
        if g not in self._coverage:
            mask = self._mask(g)
            nodes, inverse = np.unique(self.demand.node[mask], return_inverse=True)
            weights = np.bincount(inverse, weights=self._weight[mask], minlength=len(nodes))
            candidates = nodes[np.argsort(-weights)[:MAX_CANDIDATES]]
            limit = self.targets.median_min * 60.0
            if len(candidates):
                times = np.asarray(dijkstra(self._csr, indices=candidates, limit=limit)).reshape(
                    len(candidates), -1
                )
                coverage = sparse.csr_array(times[:, nodes] <= limit)
            else:
                coverage = sparse.csr_array((0, len(nodes)))
            self._coverage[g] = (candidates, coverage.astype(np.float64), weights)
        return self._coverage[g]

    def plan(self, counts: Sequence[int]) -> dict[str, Any]:
        """The plan file (the `kuzet.planning.scenario` format) of these counts per group."""
        posts: list[dict[str, Any]] = []
        for g, k in enumerate(counts):
            if k < 0:
                raise PlanningInputError(f"counts[{g}]", f"a unit count must be >= 0, not {k}")
            group = self.groups[g]
            for node, n in sorted(_tally(self.posts(g, k)).items()):
                post: dict[str, Any] = {
                    "node": node, "district": group.district, "type": "patrol_car", "count": n,
                    "name": f"{group.label.replace(' ', '-')}-{node}",
                    "lat": round(float(self.graph.lat[node]), 6),
                    "lon": round(float(self.graph.lon[node]), 6),
                }  # fmt: skip
                if group.shift is not None:
                    post["shift"] = f"{group.shift[0]:02d}-{group.shift[1]:02d}"
                posts.append(post)
        return {"call_takers": self.call_takers, "posts": posts}

    def scenario(self, plan: Mapping[str, Any]) -> Scenario:
        targets = dict.fromkeys((1, 2, 3, 4), self.targets.median_min)
        return scenario_from_plan(
            plan, node_count=self.graph.node_count, policy=self.policy, targets_min=targets
        )

    def evaluate(self, scenario: Scenario, *, start: datetime, hours: int, seeds: Sequence[int]) -> Any:
        travel = TravelTable.for_units(self.graph, scenario.units)
        return replications(
            scenario, travel, self.demand, self.profile, start=start, hours=hours, seeds=seeds
        )

    def search(
        self,
        *,
        units_max: int,
        start: datetime,
        hours: int,
        seeds: Sequence[int],
        progress: Callable[[Step], None] | None = None,
    ) -> PlanOutcome:
        if units_max < 1:
            raise PlanningInputError("units_max", f"must be a whole number >= 1, not {units_max}")
        steps: list[Step] = []

        def run(counts: tuple[int, ...]) -> Step:
            step = Step(
                counts, self.evaluate(self.scenario(self.plan(counts)), start=start, hours=hours, seeds=seeds)
            )
            steps.append(step)
            if progress is not None:
                progress(step)
            return step

        counts = tuple(self.fewest_units(g) for g in range(len(self.groups)))
        while sum(counts) > units_max:  # the quick check asks for more than allowed: trim the largest
            biggest = int(np.argmax(counts))
            if counts[biggest] <= 1:
                break
            counts = (*counts[:biggest], counts[biggest] - 1, *counts[biggest + 1 :])
        current = run(counts)
        path = [current]
        while not current.meets(self.targets) and current.units < units_max:
            trials = [run((*counts[:g], counts[g] + 1, *counts[g + 1 :])) for g in range(len(self.groups))]
            current = max(trials, key=_score)
            counts = current.counts
            path.append(current)
        meeting = [s for s in path if s.meets(self.targets)]
        chosen = meeting[0] if meeting else max(path, key=_score)
        posts = {g: self.posts(g, k) for g, k in enumerate(chosen.counts)}
        return PlanOutcome(self.groups, steps, path, chosen, bool(meeting), posts)


def _score(step: Step) -> tuple[float, float]:
    """Better: more calls within the target, then a shorter 90th percentile."""
    within = step.figure("within_target.all").mean
    p90 = step.figure("response.all.p90_s").mean
    return (within if math.isfinite(within) else -1.0, -p90 if math.isfinite(p90) else -math.inf)


def _tally(nodes: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for node in nodes:
        counts[node] = counts.get(node, 0) + 1
    return counts
