"""The long-lived parts of a running Kuzet, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kuzet.config import Settings
from kuzet.core.audit.domain import chain_key
from kuzet.core.auth.service import AuthConfig
from kuzet.core.clock import Clock, SystemClock
from kuzet.core.db import make_engine, make_session_factory
from kuzet.core.events import EventBus
from kuzet.core.observability import Metrics
from kuzet.core.outbox import Relay, forget_delivered
from kuzet.core.uow import UnitOfWork
from kuzet.partners import service as partners
from kuzet.partners.callbacks import PartnerSender
from kuzet.wiring import wire


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

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        engine = make_engine(settings.database_url)
        bus = EventBus()
        wire(bus)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            bus=bus,
            clock=clock or SystemClock(),
            auth=AuthConfig.from_settings(settings),
            metrics=Metrics(),
            audit_key=chain_key(settings.secret_key),
        )

    def relay(self) -> Relay:
        """The outbox relay with a sender for each kind of destination."""
        s = self.settings
        return Relay(
            self.session_factory,
            self.clock,
            {"partner": PartnerSender(self.session_factory, self.auth.box, self.clock)},
            lease=timedelta(seconds=s.outbox_lease_seconds),
            backoff_base=s.outbox_backoff_seconds,
            chores=self.housekeeping,
            max_attempts=s.outbox_max_attempts,
        )

    def housekeeping(self) -> None:
        """Periodic clean-up, run by the relay: used nonces, finished rate windows, old idempotency keys."""
        window = timedelta(hours=self.settings.partner_idempotency_hours)
        partners.housekeeping(self.uow(), at=self.clock.now(), idempotency_window=window)
        with self.session_factory() as session, session.begin():
            forget_delivered(
                session, before=self.clock.now() - timedelta(days=self.settings.outbox_retention_days)
            )

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.bus, self.clock, audit_key=self.audit_key)

    def close(self) -> None:
        self.engine.dispose()
