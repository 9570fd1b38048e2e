"""Which unit the simulated dispatcher sends: the recommender's rule and its alternatives. Pure.

All policies choose among units on duty whose type answers the call (`kuzet.dispatch.recommend.may_respond`).
- recommender: the free unit with the smallest road ETA (as `kuzet.dispatch` ranks them);
- straight_line: the free unit nearest in a straight line (then driven by road);
- district_only: the recommender's rule among the units of the call's district only;
- preemption: the recommender's rule; when no unit is free, a priority 1 call takes the unit busy on a
  priority 3 or 4 call (`PREEMPTABLE_FROM_PRIORITY`) that is nearest by road, as the recommender offers it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kuzet.dispatch.recommend import PREEMPTABLE_FROM_PRIORITY
from kuzet.geo.graph import F64
from kuzet.planning.scenario import Policy

B = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Choice:
    unit: int  # -1: none; the call waits
    preempts: bool = False


NONE = Choice(-1)


def choose(
    policy: Policy,
    *,
    priority: int,
    district: int,
    fit: B,
    on_duty: B,
    free: B,
    busy_priority: I64,
    unit_district: I64,
    road_eta: F64,
    line_m: F64,
) -> Choice:
    """The unit to send, given each unit's state and its road ETA (free units) and straight-line distance."""
    eligible = fit & on_duty
    if policy is Policy.DISTRICT_ONLY:
        eligible = eligible & (unit_district == district)
    candidates = eligible & free
    if candidates.any():
        score = line_m if policy is Policy.STRAIGHT_LINE else road_eta
        best = int(np.argmin(np.where(candidates, score, np.inf)))
        return Choice(best)
    if policy is Policy.PREEMPTION and priority == 1:
        divertable = eligible & ~free & (busy_priority >= PREEMPTABLE_FROM_PRIORITY)
        if divertable.any():
            return Choice(int(np.argmin(np.where(divertable, road_eta, np.inf))), preempts=True)
    return NONE


def takes_waiting(policy: Policy, *, unit_district: int, fit_waiting: B, waiting_district: I64) -> B:
    """Which waiting calls a unit that has just become free may take (the caller picks the most urgent)."""
    if policy is Policy.DISTRICT_ONLY:
        mask: B = fit_waiting & (waiting_district == unit_district)
        return mask
    return fit_waiting
