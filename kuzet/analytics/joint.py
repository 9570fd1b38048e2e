"""Joint response with other services (101, 103, 104, 112): how quickly an agency answered our hand-overs.

Three intervals run from our request (`requested_at`, our clock) to the agency's steps:
- `acknowledged`: to its acknowledgement, accepted or rejected (the time it took to answer);
- `dispatched`: to its crew dispatched;
- `on_scene`: to its crew on scene.

By default each step is taken at the agency's own time (`agency_at`, what the agency says happened when): the
time it took the agency, not our network's. Its clock is not ours, so a step may seem to come before our
request; such a negative interval is left out of the statistics and counted (`negative`), never clamped. The
other basis, our receipt of the step (`received_at`, our clock), has no skew but includes the delivery.

Besides the intervals each row counts the hand-overs requested, accepted, rejected, not answered with the
deadline passed (`unanswered`), not answered yet within the deadline (`waiting`), answered late (our
receipt of the acknowledgement after the deadline the hand-over carries, `ack_due_at`: both on our clock),
and cancelled by us (a hand-over cancelled before any answer is neither unanswered nor waiting).

Figures are per agency and per agency and incident category; seconds, with the median and the 90th percentile
by linear interpolation between the two closest ranks (numpy's default), as the other analytics. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from math import floor
from typing import Final

ACK_STEP: Final = "ack"  # the acknowledgement's step name in the store
# Interval name → the agency's step it runs to from our request.
JOINT_INTERVALS: Final = {"acknowledged": ACK_STEP, "dispatched": "dispatched", "on_scene": "on_scene"}


class Basis(StrEnum):
    """Which time of an agency's step the intervals use."""

    AGENCY = "agency"  # the agency's own time (its clock)
    RECEIVED = "received"  # our receipt of the step (our clock)


@dataclass(frozen=True)
class JointSelection:
    """Hand-overs requested in [first, last] (local dates, both included), to the given agencies, for
    incidents of the given categories, districts and priorities (an empty filter: all)."""

    first: date | None = None
    last: date | None = None
    agencies: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()

    def narrowed(self, *districts: str) -> JointSelection:
        return JointSelection(
            self.first, self.last, self.agencies, self.categories, tuple(districts), self.priorities
        )


@dataclass(frozen=True)
class StepTimes:
    agency_at: datetime  # the agency's own time
    received_at: datetime  # our receipt

    def at(self, basis: Basis) -> datetime:
        return self.agency_at if basis is Basis.AGENCY else self.received_at


@dataclass(frozen=True)
class HandoverFacts:
    """One hand-over as the statistics see it."""

    agency: str
    category: str
    requested_at: datetime
    ack_due_at: datetime
    accepted: bool | None  # None: not answered
    steps: Mapping[str, StepTimes] = field(default_factory=dict)  # ack, dispatched, on_scene, closed
    cancelled: bool = False  # by us (the operator, or the incident closed), answered or not


@dataclass(frozen=True)
class JointInterval:
    """Seconds over the valid intervals (None when n = 0); negative ones left out and counted."""

    n: int
    median: float | None
    p90: float | None
    mean: float | None
    negative: int


@dataclass(frozen=True)
class JointRow:
    agency: str
    category: str | None  # None: all the agency's categories
    requested: int
    accepted: int
    rejected: int
    unanswered: int  # no acknowledgement and the deadline passed (not cancelled)
    waiting: int  # no acknowledgement yet, within the deadline (not cancelled)
    late: int  # acknowledged (accepted or rejected), received after the deadline
    cancelled: int  # cancelled by us, answered or not
    intervals: Mapping[str, JointInterval]


@dataclass(frozen=True)
class JointReport:
    basis: Basis
    by_agency: tuple[JointRow, ...]
    by_category: tuple[JointRow, ...]  # per agency and category


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated linearly between the two closest ranks."""
    position = q * (len(ordered) - 1)
    low = floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(seconds: Iterable[float]) -> JointInterval:
    """Statistics of intervals in seconds; a negative one (the agency's clock behind ours) is left out."""
    values = list(seconds)
    valid = sorted(v for v in values if v >= 0)
    negative = len(values) - len(valid)
    if not valid:
        return JointInterval(0, None, None, None, negative)
    mean = sum(valid) / len(valid)
    return JointInterval(len(valid), quantile(valid, 0.5), quantile(valid, 0.9), mean, negative)


def interval_seconds(facts: HandoverFacts, interval: str, basis: Basis) -> float | None:
    """From our request to the agency's step; None when the agency has not reported that step."""
    step = facts.steps.get(JOINT_INTERVALS[interval])
    return None if step is None else (step.at(basis) - facts.requested_at).total_seconds()


def _row(
    agency: str, category: str | None, group: Sequence[HandoverFacts], basis: Basis, now: datetime
) -> JointRow:
    answered = [f for f in group if ACK_STEP in f.steps]
    silent = [f for f in group if ACK_STEP not in f.steps and not f.cancelled]
    intervals = {}
    for name in JOINT_INTERVALS:
        found = (interval_seconds(f, name, basis) for f in group)
        intervals[name] = summarize(s for s in found if s is not None)
    return JointRow(
        agency=agency,
        category=category,
        requested=len(group),
        accepted=sum(1 for f in group if f.accepted is True),
        rejected=sum(1 for f in group if f.accepted is False),
        unanswered=sum(1 for f in silent if now > f.ack_due_at),
        waiting=sum(1 for f in silent if now <= f.ack_due_at),
        late=sum(1 for f in answered if f.steps[ACK_STEP].received_at > f.ack_due_at),
        cancelled=sum(1 for f in group if f.cancelled),
        intervals=intervals,
    )


def joint_response(facts: Iterable[HandoverFacts], *, basis: Basis, now: datetime) -> JointReport:
    """The figures per agency, and per agency and category, ordered by their codes."""
    by_agency: dict[str, list[HandoverFacts]] = {}
    by_category: dict[tuple[str, str], list[HandoverFacts]] = {}
    for f in facts:
        by_agency.setdefault(f.agency, []).append(f)
        by_category.setdefault((f.agency, f.category), []).append(f)
    return JointReport(
        basis=basis,
        by_agency=tuple(_row(a, None, by_agency[a], basis, now) for a in sorted(by_agency)),
        by_category=tuple(_row(a, c, by_category[a, c], basis, now) for a, c in sorted(by_category)),
    )
