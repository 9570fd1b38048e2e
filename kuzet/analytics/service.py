"""Use cases of analytics: interval statistics and counts over a fresh enough snapshot, within the asker's
district; the snapshot's refresh, by a background thread and before a query when it is too old.

The snapshot and its engine (DuckDB, Arrow, numba: seconds of imports) are imported by `Analytics.build`
only, so that the API's routers, and the server, start without them (see `kuzet.container`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine

from kuzet.analytics.domain import (
    STORED_CALENDAR,
    AnalyticsConfigError,
    Calendar,
    CountReport,
    CountRow,
    CustomInterval,
    Dimension,
    DimensionKey,
    IntervalDefinition,
    IntervalReport,
    Measure,
    Origin,
    Query,
    Targets,
    WeekStart,
    custom_targets,
    define_intervals,
)
from kuzet.config import ConfigError, IntervalSetting, Settings
from kuzet.core.actor import Actor
from kuzet.core.clock import Clock
from kuzet.core.errors import FieldError, Forbidden, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

if TYPE_CHECKING:
    from kuzet.analytics.intervals.engine import QueryEngine
    from kuzet.analytics.snapshot.files import Snapshot, SnapshotState

log = logging.getLogger(__name__)


def analytics_settings(settings: Settings) -> tuple[tuple[IntervalDefinition, ...], Targets]:
    """The intervals and targets the settings define, checked; a ConfigError naming the setting if they are
    wrong. Cheap (no engine): the server checks them before it starts and builds the engine later."""
    try:
        custom = {name: _custom(given) for name, given in settings.analytics_intervals.items()}
        intervals = define_intervals(custom)
        own = custom_targets(custom)
        twice = sorted(set(own) & set(settings.analytics_target_minutes))
        if twice:
            raise AnalyticsConfigError(
                f"KUZET_ANALYTICS_TARGET_MINUTES: {', '.join(twice)} "
                "has a target in KUZET_ANALYTICS_INTERVALS already"
            )
        targets = Targets(settings.response_target_minutes, {**settings.analytics_target_minutes, **own})
        targets.check(intervals)
        region_calendar(settings)
    except AnalyticsConfigError as exc:
        raise ConfigError(str(exc)) from exc
    return intervals, targets


def region_calendar(settings: Settings) -> Calendar:
    """The region's calendar from the settings, checked (AnalyticsConfigError names the setting)."""
    try:
        ZoneInfo(settings.analytics_timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AnalyticsConfigError(
            f"KUZET_ANALYTICS_TIMEZONE: unknown time zone {settings.analytics_timezone!r} (e.g. Asia/Almaty)"
        ) from exc
    return Calendar(settings.analytics_timezone, WeekStart(settings.analytics_week_start))


def _custom(given: object) -> Sequence[str] | CustomInterval:
    """One entry of KUZET_ANALYTICS_INTERVALS in the domain's terms: [from, to], or the interval in full."""
    if isinstance(given, Mapping):  # settings copied with an update are not validated again
        given = IntervalSetting.model_validate(given)
    if isinstance(given, IntervalSetting):
        return CustomInterval(given.stamps, given.names, given.target_minutes)
    return [str(s) for s in given] if isinstance(given, Sequence) else []


class Analytics:
    """The snapshot, its DuckDB engine, and the freshness rule between them (one per process)."""

    def __init__(
        self,
        snapshot: Snapshot,
        engine: QueryEngine,
        *,
        max_age: timedelta,
        calendar: Calendar = STORED_CALENDAR,
    ) -> None:
        self.snapshot = snapshot
        self.engine = engine
        self.max_age = max_age
        self.calendar = calendar  # the region's
        self._refreshing = threading.Lock()

    @classmethod
    def build(cls, settings: Settings, engine: Engine, clock: Clock) -> Analytics:
        from kuzet.analytics.intervals.engine import QueryEngine
        from kuzet.analytics.snapshot.files import Snapshot
        from kuzet.analytics.snapshot.source import Source

        intervals, targets = analytics_settings(settings)
        snapshot = Snapshot(
            Path(settings.data_dir) / "analytics",
            Source(engine),
            clock,
            overlap=timedelta(seconds=settings.analytics_overlap_seconds),
            compact_after=settings.analytics_compact_after,
            rebuild_every=timedelta(hours=settings.analytics_rebuild_hours),
        )
        max_age = timedelta(seconds=settings.analytics_max_age_seconds)
        calendar = region_calendar(settings)
        return cls(snapshot, QueryEngine(intervals, targets), max_age=max_age, calendar=calendar)

    @property
    def interval_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.engine.intervals)

    def refresh(self, *, full: bool = False) -> SnapshotState:
        """Bring the snapshot and this process's engine up to date now."""
        with self._refreshing:
            state = self.snapshot.refresh(full=full)
            self.engine.sync(self.snapshot.folder, state)
            return state

    def ensure_fresh(self) -> None:
        """Before a query: refresh when the last refresh (by any process) is older than the maximum age;
        otherwise take up what another process may have written."""
        state = self.snapshot.state()
        if self._stale(state):
            with self._refreshing:
                state = self.snapshot.state()  # another thread may have refreshed meanwhile
                if self._stale(state):
                    state = self.snapshot.refresh()
                self.engine.sync(self.snapshot.folder, state)
        else:
            self.engine.sync(self.snapshot.folder, state)

    def _stale(self, state: SnapshotState) -> bool:
        now = self.snapshot.clock.now()
        return state.refreshed_at is None or now - state.refreshed_at > self.max_age

    def reset(self) -> None:
        """Forget the snapshot and empty the engine; the next refresh reads the store again."""
        with self._refreshing:
            self.engine.sync(self.snapshot.folder, self.snapshot.reset())

    def close(self) -> None:
        self.engine.close()
        self.snapshot.source.dispose()

    def intervals(
        self,
        query: Query,
        names: Sequence[str] | None = None,
        *,
        groupings: Sequence[tuple[DimensionKey, ...]] | None = None,
    ) -> IntervalReport:
        """Statistics of the named intervals (all by default), one table per grouping (by default the query's
        own), with the data-quality section over the whole selection."""
        chosen = self.checked_names(names)
        self.ensure_fresh()
        query = self.with_calendar(query)
        tables, quality = self.engine.interval_tables(query.checked(), groupings or [query.group_by], chosen)
        return IntervalReport(
            intervals=tuple(i for i in self.engine.intervals if i.name in chosen),
            tables=tables,
            data_quality=quality,
            snapshot=self.engine.info,
        )

    def counts(self, query: Query, measure: Measure = Measure.INCIDENTS) -> CountReport:
        self.ensure_fresh()
        query = self.with_calendar(query)
        rows = self.engine.counts(query.checked(), measure, query.group_by)
        return CountReport(
            measure=measure,
            group_by=query.group_by,
            rows=tuple(CountRow(group, count) for group, count in rows),
            total=sum(count for _, count in rows),
            merged_excluded=self.engine.merged_count(query),
            snapshot=self.engine.info,
        )

    def with_calendar(self, query: Query) -> Query:
        """The query with its calendar in full: the zone and week start it names, else (for imported data of
        sources that share one calendar) the sources' own, else the region's."""
        given = query.calendar
        if given is not None and given.zone:
            return query
        own = self.snapshot.source.import_calendars() if query.origin is Origin.IMPORTED else set()
        zone, week_start = (
            next(iter(own)) if len(own) == 1 else (self.calendar.zone, self.calendar.week_start)
        )
        if given is not None:  # a week start without a zone
            week_start = given.week_start
        return replace(query, calendar=Calendar(zone, WeekStart(week_start)))

    def checked_names(self, names: Sequence[str] | None) -> tuple[str, ...]:
        known = self.interval_names
        if names is None:
            return known
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise InvalidInput(
                [
                    FieldError(
                        "intervals",
                        N_("Unknown interval {value}; use one of: {expected}."),
                        "unknown_interval",
                        "query",
                        {"value": ", ".join(unknown), "expected": ", ".join(known)},
                    )
                ]
            )
        return tuple(dict.fromkeys(names))


def in_scope(uow: UnitOfWork, query: Query, by: Actor) -> Query:
    """A district's staff (or an analyst tied to several districts) see their own districts' figures only:
    the query is narrowed to those asked for among them, all of them by default, and asking for any other
    district is refused (and the refusal audited)."""
    if by.region_wide:
        return query
    mine = by.districts
    asked = query.filters.get(Dimension.DISTRICT)
    if asked is not None and not set(asked) <= set(mine):
        with uow:
            raise uow.refuse(by, "analytics.read", Forbidden(), object_type="district", reason="out_of_scope")
    kept = tuple(d for d in mine if asked is None or d in asked)
    return replace(query, filters={**query.filters, Dimension.DISTRICT: kept})


class Refresher:
    """Refreshes the snapshot every so many seconds in a daemon thread, until stopped.

    It is given a way to get the analytics rather than the analytics themselves: its thread builds them (the
    first time, when `analytics` is `Services.analytics`) after the server has started, off its start-up."""

    def __init__(self, analytics: Callable[[], Analytics], every_seconds: float) -> None:
        self.analytics = analytics
        self.every_seconds = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="analytics-refresher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.analytics().refresh()
            except Exception:
                log.exception("analytics snapshot refresh failed")
            self._stop.wait(self.every_seconds)
