"""Figures of a run, and of several runs with different seeds with a 95 % confidence interval on each.

Per run (calls received within the run's hours): the analytics' intervals (DESIGN §5: call processing,
turnout, travel, response) as median, p90 and mean, for all calls, per priority and per district; the share
within the response target per priority; each unit's utilisation (busy from dispatch to clear over its
hours on duty) and their mean; the share of dispatched calls that had to wait for a unit, with the mean
wait; the call-takers' queue; and the mean number of units busy in each local hour of the day.
Over replications each figure gets the mean and a Student t interval (n − 1 degrees of freedom); a figure
a run could not measure (no call of that priority, say) is left out of that figure's replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from kuzet.core.clock import to_local
from kuzet.geo.graph import F64
from kuzet.planning.history import Demand
from kuzet.planning.profile import ArrivalProfile
from kuzet.planning.scenario import Scenario
from kuzet.planning.sim import RunRecord, simulate
from kuzet.planning.travel import TravelTable

INTERVALS = ("processing", "turnout", "travel", "response")
CONFIDENCE = 0.95


def _interval(rec: RunRecord, name: str) -> F64:
    start, end = {
        "processing": (rec.received, rec.dispatched),
        "turnout": (rec.dispatched, rec.en_route),
        "travel": (rec.en_route, rec.on_scene),
        "response": (rec.received, rec.on_scene),
    }[name]
    values: F64 = end - start
    return values


def _stats(prefix: str, values: F64, out: dict[str, float]) -> None:
    values = values[np.isfinite(values) & (values >= 0)]
    if len(values) == 0:
        return
    out[f"{prefix}.median_s"] = float(np.median(values))
    out[f"{prefix}.p90_s"] = float(np.percentile(values, 90))
    out[f"{prefix}.mean_s"] = float(values.mean())


def figures(rec: RunRecord, scenario: Scenario) -> dict[str, float]:
    """The figures of one run, by name (e.g. `response.p1.median_s`, `within_target.p2`)."""
    out: dict[str, float] = {}
    counted = rec.received < rec.hours * 3600.0
    dispatched = counted & (rec.priority < 4)
    out["calls"] = float(counted.sum())
    out["unserved"] = float((dispatched & np.isnan(rec.on_scene)).sum())
    groups: list[tuple[str, np.ndarray]] = [("all", dispatched)]
    groups += [(f"p{p}", dispatched & (rec.priority == p)) for p in (1, 2, 3)]
    groups += [(f"district:{d}", dispatched & (rec.district == k)) for k, d in enumerate(rec.districts)]
    for name in INTERVALS:
        values = _interval(rec, name)
        for label, mask in groups:
            _stats(f"{name}.{label}", values[mask], out)
    response = _interval(rec, "response")
    for p in (1, 2, 3):
        mask = dispatched & (rec.priority == p) & np.isfinite(response)
        if mask.any():
            target = float(scenario.targets_min.get(p, 7.0)) * 60.0
            out[f"within_target.p{p}"] = float((response[mask] <= target).mean())
    known = dispatched & np.isfinite(response)
    if known.any():
        targets = np.array([scenario.targets_min.get(int(p), 7.0) * 60.0 for p in rec.priority[known]])
        out["within_target.all"] = float((response[known] <= targets).mean())
    on_duty = rec.unit_duty_s > 0
    for unit, busy, duty in zip(scenario.units, rec.unit_busy_s, rec.unit_duty_s, strict=True):
        if duty > 0:
            out[f"utilisation.{unit.call_sign}"] = float(busy / duty)
    if on_duty.any():
        out["utilisation.mean"] = float((rec.unit_busy_s[on_duty] / rec.unit_duty_s[on_duty]).mean())
    sent = dispatched & np.isfinite(rec.dispatched)
    if sent.any():
        out["waited_for_unit.share"] = float(rec.waited[sent].mean())
        out["waited_for_unit.mean_s"] = float((rec.dispatched[sent] - rec.ready[sent]).mean())
    answered = counted & np.isfinite(rec.answered)
    if answered.any():
        wait = rec.answered[answered] - rec.received[answered]
        out["call_taker_wait.share"] = float((wait > 1e-9).mean())
        out["call_taker_wait.mean_s"] = float(wait.mean())
    hour0 = to_local(rec.start).hour
    busy = rec.busy_by_hour[: rec.hours] / 3600.0
    local = (hour0 + np.arange(rec.hours)) % 24
    for h in range(24):
        if (local == h).any():
            out[f"units_busy.h{h:02d}"] = float(busy[local == h].mean())
    out["preemptions"] = float(rec.preemptions)
    return out


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int  # replications that measured it

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Estimate:
    array = np.asarray([v for v in values if math.isfinite(v)], dtype=np.float64)
    n = len(array)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(array.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * array.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n)


def replicate(run: Callable[[int], Mapping[str, float]], seeds: Sequence[int]) -> dict[str, Estimate]:
    """Run once per seed and give every figure its mean and 95 % interval over the runs."""
    if len(seeds) < 2:
        raise ValueError("replications: at least 2 seeds are needed for a confidence interval")
    runs = [run(seed) for seed in seeds]
    names = sorted({name for r in runs for name in r})
    return {name: t_interval([r.get(name, math.nan) for r in runs]) for name in names}


def replications(
    scenario: Scenario,
    travel: TravelTable,
    demand: Demand,
    profile: ArrivalProfile,
    *,
    start: datetime,
    hours: int,
    seeds: Sequence[int] = range(10),
    scale: float = 1.0,
) -> dict[str, Estimate]:
    """Simulate the scenario once per seed; every figure with its 95 % interval."""

    def run(seed: int) -> dict[str, float]:
        record = simulate(scenario, travel, demand, profile, start=start, hours=hours, seed=seed, scale=scale)
        return figures(record, scenario)

    return replicate(run, seeds)
