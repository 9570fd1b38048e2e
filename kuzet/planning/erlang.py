"""Erlang B and Erlang C for call-takers: blocking, waiting, service level, speed of answer and staffing.

Offered load `a` is in erlangs (arrival rate × mean handling time). Erlang B uses the recursion
B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), which never forms a factorial or a power and stays stable for
hundreds of servers. Erlang C follows from B: C = c·B / (c − a·(1 − B)) for a < c, and 1 when the queue grows
without bound (a ≥ c).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HOURS_PER_WEEK = 168
MAX_SERVERS = 10_000


def _check_servers(servers: int) -> None:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 0:
        raise ValueError(f"servers: must be a whole number >= 0, got {servers!r}")


def _check_nonnegative(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")


def _check_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: must be a finite number > 0, got {value!r}")


def erlang_b(servers: int, offered_load: float) -> float:
    """The share of arrivals that find all `servers` busy and are lost (M/M/c/c)."""
    _check_servers(servers)
    _check_nonnegative("offered_load", offered_load)
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """The probability that an arrival has to wait (M/M/c with an unlimited queue); 1 when a ≥ c."""
    _check_servers(servers)
    _check_nonnegative("offered_load", offered_load)
    if servers == 0 or offered_load >= servers:
        return 1.0
    blocking = erlang_b(servers, offered_load)
    return servers * blocking / (servers - offered_load * (1.0 - blocking))


def mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Wq, the mean time in queue of an M/M/c (in the time unit of the rates); infinite when λ ≥ c·μ."""
    _check_nonnegative("arrival_rate", arrival_rate)
    _check_positive("service_rate", service_rate)
    _check_servers(servers)
    spare = servers * service_rate - arrival_rate
    if spare <= 0:
        return math.inf
    return erlang_c(servers, arrival_rate / service_rate) / spare


def service_level(servers: int, offered_load: float, handle_time: float, within: float) -> float:
    """The share of calls answered within `within` (same unit as `handle_time`): 1 − C·e^(−(c−a)·t/h)."""
    _check_positive("handle_time", handle_time)
    _check_nonnegative("within", within)
    wait = erlang_c(servers, offered_load)
    if offered_load >= servers:
        return 0.0
    return 1.0 - wait * math.exp(-(servers - offered_load) * within / handle_time)


def average_speed_of_answer(servers: int, offered_load: float, handle_time: float) -> float:
    """ASA, the mean wait over all calls (same unit as `handle_time`): C·h / (c − a); infinite when a ≥ c."""
    _check_positive("handle_time", handle_time)
    wait = erlang_c(servers, offered_load)
    if offered_load >= servers:
        return math.inf
    return wait * handle_time / (servers - offered_load)


@dataclass(frozen=True)
class ServiceTarget:
    """What the call-takers must achieve: a share answered within a time, and optionally a ceiling on ASA."""

    answered_share: float = 0.8
    within_s: float = 20.0
    max_asa_s: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.answered_share < 1.0:
            raise ValueError(f"answered_share: must be in [0, 1), got {self.answered_share!r}")
        _check_nonnegative("within_s", self.within_s)
        if self.max_asa_s is not None:
            _check_positive("max_asa_s", self.max_asa_s)


def staffing(arrivals_per_hour: float, handle_time_s: float, target: ServiceTarget) -> int:
    """The fewest call-takers whose service level (and ASA, if set) meets `target`; 0 when nobody calls."""
    _check_nonnegative("arrivals_per_hour", arrivals_per_hour)
    _check_positive("handle_time_s", handle_time_s)
    load = arrivals_per_hour * handle_time_s / 3600.0
    if load == 0:
        return 0
    servers = max(1, math.floor(load) + 1)
    while servers <= MAX_SERVERS:
        level_ok = service_level(servers, load, handle_time_s, target.within_s) >= target.answered_share
        asa_ok = target.max_asa_s is None or (
            average_speed_of_answer(servers, load, handle_time_s) <= target.max_asa_s
        )
        if level_ok and asa_ok:
            return servers
        servers += 1
    raise ValueError(
        f"arrivals_per_hour: needs more than {MAX_SERVERS} call-takers, got {arrivals_per_hour!r}"
    )


@dataclass(frozen=True)
class StaffingRow:
    """One hour of the week: its demand, the call-takers it needs, and what they achieve."""

    hour_of_week: int
    arrivals_per_hour: float
    offered_load: float
    call_takers: int
    probability_of_waiting: float
    service_level: float
    average_speed_of_answer_s: float
    occupancy: float


def staffing_table(
    profile: Sequence[float], *, handle_time_s: float, target: ServiceTarget | None = None
) -> tuple[StaffingRow, ...]:
    """Call-takers per hour of the week from 168 arrival rates (calls per hour, Monday 00:00 first)."""
    if len(profile) != HOURS_PER_WEEK:
        raise ValueError(f"profile: must hold {HOURS_PER_WEEK} hourly rates, got {len(profile)}")
    for rate in profile:
        _check_nonnegative("profile", float(rate))
    _check_positive("handle_time_s", handle_time_s)
    goal = target if target is not None else ServiceTarget()
    rows: list[StaffingRow] = []
    for hour, rate in enumerate(profile):
        load = float(rate) * handle_time_s / 3600.0
        servers = staffing(float(rate), handle_time_s, goal)
        if servers == 0:
            rows.append(StaffingRow(hour, float(rate), 0.0, 0, 0.0, 1.0, 0.0, 0.0))
            continue
        rows.append(
            StaffingRow(
                hour_of_week=hour,
                arrivals_per_hour=float(rate),
                offered_load=load,
                call_takers=servers,
                probability_of_waiting=erlang_c(servers, load),
                service_level=service_level(servers, load, handle_time_s, goal.within_s),
                average_speed_of_answer_s=average_speed_of_answer(servers, load, handle_time_s),
                occupancy=load / servers,
            )
        )
    return tuple(rows)
