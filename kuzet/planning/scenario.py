"""What is simulated: the units (posts, types, districts, shifts), the call-takers, the policy and targets.

A plan file (JSON) lists posts, each with a count of identical units:
    {"call_takers": 4,
     "posts": [{"node": 1234, "district": "central", "type": "patrol_car", "count": 2, "shift": "08-20"}]}
`shift` is a local "HH-HH" span (over midnight allowed, "00-24" or absent = always on duty); a post may
list several shifts as a list. Unusable input raises PlanningInputError naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kuzet.planning.errors import PlanningInputError
from kuzet.units.domain import UnitType

DEFAULT_TARGET_MIN = 7.0


class Policy(StrEnum):
    RECOMMENDER = "recommender"  # nearest by road ETA among eligible units (kuzet.dispatch's rule)
    STRAIGHT_LINE = "straight_line"  # nearest in a straight line among eligible units
    DISTRICT_ONLY = "district_only"  # nearest by road among eligible units of the incident's district
    PREEMPTION = "preemption"  # the recommender's, and a P1 may take a unit busy on a P3/P4


def parse_shift(text: str, where: str) -> tuple[int, int]:
    start, sep, end = str(text).partition("-")
    try:
        first, last = int(start), int(end) if sep else 24
    except ValueError:
        raise PlanningInputError(where, f"'{text}' is not a span of local hours like 08-20") from None
    if not (0 <= first <= 24 and 0 <= last <= 24):
        raise PlanningInputError(where, f"'{text}': hours run from 0 to 24")
    return first, last


def duty_hours(shifts: Sequence[tuple[int, int]]) -> npt.NDArray[np.bool_]:
    """Which local hours 0..23 a unit with these shifts is on duty (no shifts: always)."""
    if not shifts:
        return np.ones(24, dtype=bool)
    on = np.zeros(24, dtype=bool)
    for first, last in shifts:
        hours = np.arange(24)
        if first < last:
            on |= (hours >= first) & (hours < last)
        elif first > last:
            on |= (hours >= first) | (hours < last)
        else:
            on[:] = True
    return on


@dataclass(frozen=True)
class UnitSpec:
    call_sign: str
    type: UnitType
    district: str
    post_node: int
    shifts: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Scenario:
    units: tuple[UnitSpec, ...]
    call_takers: int = 0  # 0: calls are not queued before dispatch
    policy: Policy = Policy.RECOMMENDER
    targets_min: Mapping[int, float] = field(
        default_factory=lambda: dict.fromkeys((1, 2, 3, 4), DEFAULT_TARGET_MIN)
    )
    travel_time_factors: Mapping[str, float] = field(default_factory=dict)
    # Priority → share of calls that get a second (back-up) unit, sent with the first when one is free.
    backup_share: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.units:
            raise PlanningInputError("units", "a scenario needs at least one unit")
        if self.call_takers < 0:
            raise PlanningInputError("call_takers", f"must be >= 0, not {self.call_takers}")
        for i, unit in enumerate(self.units):
            if unit.post_node < 0:
                raise PlanningInputError(f"units[{i}].post_node", f"{unit.post_node} is not a graph node")
        for priority, share in self.backup_share.items():
            if not 0.0 <= share <= 1.0:
                raise PlanningInputError(
                    f"backup_share.{priority}", f"must be a share in [0, 1], not {share}"
                )

    def check_graph(self, node_count: int) -> None:
        for i, unit in enumerate(self.units):
            if not 0 <= unit.post_node < node_count:
                raise PlanningInputError(
                    f"units[{i}].post_node",
                    f"node {unit.post_node} is not in the road graph of {node_count} nodes",
                )

    def with_policy(self, policy: Policy) -> Scenario:
        return replace(self, policy=policy)


def scenario_from_plan(plan: Mapping[str, Any], *, node_count: int | None = None, **options: Any) -> Scenario:
    """A scenario from a plan's posts (see the module's docstring)."""
    posts = plan.get("posts")
    if not isinstance(posts, list) or not posts:
        raise PlanningInputError("posts", "a plan needs a non-empty list of posts")
    units: list[UnitSpec] = []
    for i, post in enumerate(posts):
        where = f"posts[{i}]"
        if not isinstance(post, Mapping):
            raise PlanningInputError(where, "must be an object")
        count = post.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise PlanningInputError(f"{where}.count", f"must be a whole number >= 0, not {count!r}")
        node = post.get("node")
        if not isinstance(node, int) or isinstance(node, bool):
            raise PlanningInputError(f"{where}.node", f"must be a road-graph node number, not {node!r}")
        if node < 0 or (node_count is not None and node >= node_count):
            raise PlanningInputError(f"{where}.node", f"node {node} is not in the road graph")
        try:
            kind = UnitType(post.get("type", UnitType.PATROL_CAR.value))
        except ValueError:
            raise PlanningInputError(f"{where}.type", f"unknown unit type {post.get('type')!r}") from None
        raw = post.get("shift")
        spans = [] if raw is None else raw if isinstance(raw, list) else [raw]
        shifts = tuple(parse_shift(s, f"{where}.shift") for s in spans)
        district = str(post.get("district") or "")
        for n in range(count):
            units.append(UnitSpec(f"{post.get('name', f'post{i}')}-{n + 1}", kind, district, node, shifts))
    takers = plan.get("call_takers", options.pop("call_takers", 0))
    if not isinstance(takers, int) or takers < 0:
        raise PlanningInputError("call_takers", f"must be a whole number >= 0, not {takers!r}")
    if not units:
        raise PlanningInputError("posts", "every count is zero: the plan has no unit")
    return Scenario(tuple(units), call_takers=takers, **options)


def read_plan(path: Path, *, node_count: int | None = None, **options: Any) -> Scenario:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanningInputError("plan", f"{path}: not a readable JSON plan ({exc})") from exc
    if not isinstance(data, Mapping):
        raise PlanningInputError("plan", f"{path}: must be a JSON object")
    return scenario_from_plan(data, node_count=node_count, **options)
