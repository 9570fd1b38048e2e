"""What is simulated: the units (posts, types, districts, shifts), the call-takers, the policy and targets.

A plan file (JSON) lists posts, each with a count of identical units:
    {"call_takers": 4,
     "posts": [{"node": 1234, "district": "central", "type": "patrol_car", "count": 2, "shift": "08-20"}]}
`shift` is a local "HH-HH" span (over midnight allowed, "00-24" or absent = always on duty); a post may
list several shifts as a list. Instead of a fixed `node`, a post may give a patrol `sector`, a list of
road-graph nodes: its units, when free, patrol among them (the simulation places a free unit at one of them,
each equally likely, when a call is weighed) and drive back to the sector's nearest node after a call.
Unusable input raises PlanningInputError naming the field.
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
    sector: tuple[int, ...] = ()  # a patrol sector's nodes (the unit starts at its post); empty: fixed post

    @property
    def stations(self) -> tuple[int, ...]:
        """Where the unit may be when free: its sector, or its one post."""
        return self.sector or (self.post_node,)


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
            for field_name, node in _unit_nodes(i, unit):
                if node < 0:
                    raise PlanningInputError(field_name, f"{node} is not a graph node")
        for priority, share in self.backup_share.items():
            if not 0.0 <= share <= 1.0:
                raise PlanningInputError(
                    f"backup_share.{priority}", f"must be a share in [0, 1], not {share}"
                )

    def check_graph(self, node_count: int) -> None:
        for i, unit in enumerate(self.units):
            for field_name, node in _unit_nodes(i, unit):
                if not 0 <= node < node_count:
                    raise PlanningInputError(
                        field_name, f"node {node} is not in the road graph of {node_count} nodes"
                    )

    def with_policy(self, policy: Policy) -> Scenario:
        return replace(self, policy=policy)


def _unit_nodes(i: int, unit: UnitSpec) -> list[tuple[str, int]]:
    return [(f"units[{i}].post_node", unit.post_node)] + [
        (f"units[{i}].sector[{k}]", node) for k, node in enumerate(unit.sector)
    ]


def _node(value: object, where: str, node_count: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise PlanningInputError(where, f"must be a road-graph node number, not {value!r}")
    if value < 0 or (node_count is not None and value >= node_count):
        raise PlanningInputError(where, f"node {value} is not in the road graph")
    return value


def _post_nodes(post: Mapping[str, Any], where: str, node_count: int | None) -> tuple[int, tuple[int, ...]]:
    """A post's node and its patrol sector (empty for a fixed post)."""
    sector = post.get("sector")
    if sector is None:
        return _node(post.get("node"), f"{where}.node", node_count), ()
    if not isinstance(sector, list) or not sector:
        raise PlanningInputError(f"{where}.sector", "must be a non-empty list of road-graph nodes")
    nodes = tuple(_node(n, f"{where}.sector[{k}]", node_count) for k, n in enumerate(sector))
    first = post.get("node", nodes[0])
    return _node(first, f"{where}.node", node_count), tuple(dict.fromkeys(nodes))


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
        node, sector = _post_nodes(post, where, node_count)
        try:
            kind = UnitType(post.get("type", UnitType.PATROL_CAR.value))
        except ValueError:
            raise PlanningInputError(f"{where}.type", f"unknown unit type {post.get('type')!r}") from None
        raw = post.get("shift")
        spans = [] if raw is None else raw if isinstance(raw, list) else [raw]
        shifts = tuple(parse_shift(s, f"{where}.shift") for s in spans)
        district = str(post.get("district") or "")
        for n in range(count):
            call_sign = f"{post.get('name', f'post{i}')}-{n + 1}"
            units.append(UnitSpec(call_sign, kind, district, node, shifts, sector))
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
