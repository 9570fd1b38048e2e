"""The long-lived parts of a running Kuzet, built once from the settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kuzet.cctv import camera_events_service as camera_sources
from kuzet.cctv import health_service as camera_health
from kuzet.cctv.camera_events_retention import forget_old_events as forget_old_camera_events
from kuzet.config import Settings
from kuzet.console import store as live_feed
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import chain_key
from kuzet.core.auth.service import AuthConfig
from kuzet.core.clock import Clock, SystemClock
from kuzet.core.db import make_engine, make_session_factory
from kuzet.core.events import EventBus
from kuzet.core.group_commit import GroupCommitter
from kuzet.core.observability import Metrics
from kuzet.core.outbox import Relay, forget_delivered
from kuzet.core.uow import UnitOfWork
from kuzet.geo.runtime import Geo
from kuzet.interagency import handovers
from kuzet.interagency import service as agencies
from kuzet.interagency.alert_sender import CapSender
from kuzet.interagency.sender import AgencySender
from kuzet.partners import service as partners
from kuzet.partners.callbacks import PartnerSender
from kuzet.units.mqtt import Subscriber
from kuzet.units.positions import service as positions
from kuzet.units.positions.domain import Fix
from kuzet.wiring import wire

if TYPE_CHECKING:
    from kuzet.analytics.service import Analytics


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: EventBus
    clock: Clock
    auth: AuthConfig
    metrics: Metrics
    audit_key: bytes
    geo: Geo
    _analytics: Analytics | None = field(default=None, init=False, repr=False)
    _analytics_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        engine = make_engine(settings.database_url)
        bus = EventBus()
        wire(bus)
        session_factory = make_session_factory(engine)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            bus=bus,
            clock=clock or SystemClock(),
            auth=AuthConfig.from_settings(settings),
            metrics=Metrics(),
            audit_key=chain_key(settings.secret_key),
            geo=Geo(
                roads_file=settings.roads_file,
                gazetteer_file=settings.gazetteer_file,
                session_factory=session_factory,
                snap_max_distance_m=settings.snap_max_distance_m,
                travel_time_factors=settings.travel_time_factors,
            ),
        )

    def relay(self) -> Relay:
        """The outbox relay with a sender for each kind of destination."""
        s = self.settings
        return Relay(
            self.session_factory,
            self.clock,
            {
                "partner": PartnerSender(self.session_factory, self.auth.box, self.clock),
                "agency": AgencySender(self.session_factory, self.auth.box, self.clock),
                "cap": CapSender(self.session_factory, self.auth.box, self.clock),
            },
            lease=timedelta(seconds=s.outbox_lease_seconds),
            backoff_base=s.outbox_backoff_seconds,
            chores=self.housekeeping,
            max_attempts=s.outbox_max_attempts,
        )

    def housekeeping(self) -> None:
        """Periodic clean-up, run by the relay: used nonces, finished rate windows, old idempotency keys,
        camera events past their retention, delivered callbacks and old live-feed rows."""
        window = timedelta(hours=self.settings.partner_idempotency_hours)
        partners.housekeeping(self.uow(), at=self.clock.now(), idempotency_window=window)
        agencies.housekeeping(self.uow(), at=self.clock.now())
        camera_sources.housekeeping(self.uow(), at=self.clock.now())
        forget_old_camera_events(
            self.uow(),
            folder=self.settings.camera_images_folder,
            at=self.clock.now(),
            retention=timedelta(days=self.settings.cctv_event_retention_days),
        )
        camera_health.sweep(
            self.uow(),
            now=self.clock.now(),
            offline_after=timedelta(seconds=self.settings.cctv_offline_seconds),
        )
        handovers.resend_overdue(self.uow(), at=self.clock.now())
        with self.session_factory() as session, session.begin():
            forget_delivered(
                session, before=self.clock.now() - timedelta(days=self.settings.outbox_retention_days)
            )
            live_feed.prune(
                session, before=self.clock.now() - timedelta(minutes=self.settings.live_retention_minutes)
            )

    def mqtt_subscriber(self) -> Subscriber | None:
        """The MQTT telemetry subscriber, if a broker is configured."""
        s = self.settings
        if not s.mqtt_url:
            return None
        rules = positions.fix_rules(s)

        def store(fixes: list[Fix]) -> object:
            by = Actor.system("mqtt")
            return positions.ingest(
                self.uow(), fixes, rules=rules, snap=self.geo.snap, source="mqtt", by=by, at=self.clock.now()
            )

        return Subscriber(s.mqtt_url, s.mqtt_topic, store, lambda outcome, n: self._count_fixes(outcome, n))

    def _count_fixes(self, outcome: str, n: int) -> None:
        self.metrics.fixes.labels("mqtt", outcome).inc(n)

    @cached_property
    def partner_intake(self) -> GroupCommitter:
        """The partner gateway's group commit of appeal intakes (its writer thread starts on first use)."""
        batch = self.settings.partner_intake_batch_max
        return GroupCommitter(self.uow, max_batch=batch, name="partner-intake")

    @property
    def analytics(self) -> Analytics:
        """The analytics snapshot and its DuckDB engine, built on first use, once, whichever thread asks first
        (the server's refresher asks right after start-up). Building imports DuckDB, Arrow and numba: seconds
        that a command or a server start that does not need analytics does not pay."""
        if (built := self._analytics) is not None:
            return built
        with self._analytics_lock:
            if self._analytics is None:
                from kuzet.analytics.service import Analytics

                self._analytics = Analytics.build(self.settings, self.engine, self.clock)
            return self._analytics

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.bus, self.clock, audit_key=self.audit_key)

    def close(self) -> None:
        if "partner_intake" in self.__dict__:
            self.partner_intake.close()
        with self._analytics_lock:  # waits for a build in progress, so that it is closed too
            analytics, self._analytics = self._analytics, None
        if analytics is not None:
            analytics.close()
        self.engine.dispose()
