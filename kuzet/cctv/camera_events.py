"""Camera analytics: the systems that watch the cameras' pictures (a plate reader, a crowd detector) and post
what they see, each with a key of its own; the events they post; and which of those become work for the ЦОУ.
Pure.

An event becomes an appeal on channel `camera` when
- a plate read with enough confidence is on the watch list and its entry is in force at the moment seen;
- a crowd counted with enough confidence is at or above the threshold.
Every other event is recorded with why it raised nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from kuzet.cctv.watchlist import WatchEntry
from kuzet.core.actor import Actor, ActorKind

SOURCE_CODE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{1,29}")
EVENT_ID_MAX: Final = 100


class SourceScope(StrEnum):
    """What an analytics source's signed call may do (declared by its routes, like a partner key's scope)."""

    EVENTS_POST = "cctv.events.post"
    HEARTBEAT = "cctv.heartbeat"


@dataclass(frozen=True)
class AnalyticsSource:
    code: str
    name: str
    enabled: bool


@dataclass(frozen=True)
class SourceKey:
    key_id: str
    source_code: str
    secret: str
    created_at: datetime
    expires_at: datetime | None

    def valid_at(self, moment: datetime) -> bool:
        return self.expires_at is None or moment < self.expires_at


def source_actor(source: AnalyticsSource, address: str | None = None) -> Actor:
    return Actor(kind=ActorKind.SYSTEM, name=f"cctv:{source.code}", role="cctv_source", source=address)


class EventKind(StrEnum):
    PLATE = "plate"
    CROWD = "crowd"


class Outcome(StrEnum):
    """What became of an event."""

    WATCHLIST_HIT = "watchlist_hit"  # an appeal was made
    CROWD_ALERT = "crowd_alert"  # an appeal was made
    NOT_LISTED = "not_listed"
    ENTRY_EXPIRED = "entry_expired"
    LOW_CONFIDENCE = "low_confidence"
    BELOW_THRESHOLD = "below_threshold"

    @property
    def raises_appeal(self) -> bool:
        return self in (Outcome.WATCHLIST_HIT, Outcome.CROWD_ALERT)


@dataclass(frozen=True)
class CameraEvent:
    """One event as a source posted it (the plate normalised)."""

    event_id: str
    kind: EventKind
    camera_id: str
    seen_at: datetime
    confidence: float
    plate: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class AlertRules:
    plate_min_confidence: float
    crowd_min_confidence: float
    crowd_threshold: int


def plate_outcome(event: CameraEvent, entry: WatchEntry | None, rules: AlertRules) -> Outcome:
    if event.confidence < rules.plate_min_confidence:
        return Outcome.LOW_CONFIDENCE
    if entry is None:
        return Outcome.NOT_LISTED
    if not entry.active_at(event.seen_at):
        return Outcome.ENTRY_EXPIRED
    return Outcome.WATCHLIST_HIT


def crowd_outcome(event: CameraEvent, rules: AlertRules) -> Outcome:
    if event.confidence < rules.crowd_min_confidence:
        return Outcome.LOW_CONFIDENCE
    if event.count is None or event.count < rules.crowd_threshold:
        return Outcome.BELOW_THRESHOLD
    return Outcome.CROWD_ALERT


def appeal_text(event: CameraEvent, outcome: Outcome, entry: WatchEntry | None) -> str:
    """The appeal's text, in the centre's working language, as an operator reads it on the card."""
    confidence = f"{round(event.confidence * 100)} %"
    if outcome is Outcome.WATCHLIST_HIT and entry is not None:
        return (
            f"Камера {event.camera_id}: номер {entry.plate} в списке розыска ({entry.reason}). "
            f"Уверенность распознавания {confidence}."
        )
    return f"Камера {event.camera_id}: скопление людей, около {event.count} чел. Уверенность {confidence}."
