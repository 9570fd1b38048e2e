"""The health of an agency link, from its heartbeats and our deliveries to it. Pure.

- up: the agency's heartbeat is fresh and nothing we send it is failing;
- degraded: the heartbeat is late (missed once or twice), or a message waiting for it failed at least once;
- down: no heartbeat for `down_after` (or never one): down since its last heartbeat;
- disabled: the administrator switched the agency off; nothing is sent or taken.

Like an overdue incident, the state is computed when asked, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

HEARTBEAT_EVERY: Final = timedelta(seconds=5)  # what an agency is asked to keep to
LATE_AFTER: Final = timedelta(seconds=15)  # about two missed heartbeats
DOWN_AFTER: Final = timedelta(seconds=60)


class LinkState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    DISABLED = "disabled"


class Reason(StrEnum):
    """Why a link is not up."""

    NO_HEARTBEAT = "no_heartbeat"  # never heard from
    HEARTBEAT_LATE = "heartbeat_late"
    HEARTBEAT_MISSED = "heartbeat_missed"  # late past `down_after`
    DELIVERIES_FAILING = "deliveries_failing"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LinkFigures:
    """What is known of one link: its last heartbeat (our receipt), the messages waiting for it in the outbox,
    hand-overs and public alerts alike (how many of those failed at least once, how many are alerts), and its
    hand-overs waiting for an acknowledgement."""

    heartbeat_at: datetime | None = None
    waiting: int = 0
    failing: int = 0
    alerts_waiting: int = 0
    oldest_waiting_at: datetime | None = None
    unacknowledged: int = 0
    oldest_unacknowledged_at: datetime | None = None


@dataclass(frozen=True)
class LinkHealth:
    state: LinkState
    since: datetime | None  # down since: the last sign of life (None if never heard from)
    reasons: tuple[Reason, ...]


def link_health(
    figures: LinkFigures,
    *,
    enabled: bool,
    now: datetime,
    late_after: timedelta = LATE_AFTER,
    down_after: timedelta = DOWN_AFTER,
) -> LinkHealth:
    if not enabled:
        return LinkHealth(LinkState.DISABLED, None, (Reason.DISABLED,))
    beat = figures.heartbeat_at
    if beat is None:
        return LinkHealth(LinkState.DOWN, None, (Reason.NO_HEARTBEAT,))
    silent = now - beat
    if silent > down_after:
        return LinkHealth(LinkState.DOWN, beat, (Reason.HEARTBEAT_MISSED,))
    reasons = []
    if silent > late_after:
        reasons.append(Reason.HEARTBEAT_LATE)
    if figures.failing:
        reasons.append(Reason.DELIVERIES_FAILING)
    return LinkHealth(LinkState.DEGRADED if reasons else LinkState.UP, None, tuple(reasons))
