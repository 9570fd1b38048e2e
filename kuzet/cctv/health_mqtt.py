"""Camera heartbeats over MQTT: a subscriber that runs beside the API, as the units' positions one does.

Topic `kuzet/cameras/<camera id>/heartbeat`; the payload is not read (a camera's clock is not trusted: the
heartbeat counts at our receipt). Heartbeats are gathered for a moment and kept in one transaction. A bad
topic is logged with its reason, never its content; the subscriber keeps running and reconnects after the
broker goes away."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import aiomqtt
from fastapi.concurrency import run_in_threadpool

from kuzet.core.mqtt import subscribe_forever

if TYPE_CHECKING:
    from kuzet.container import Services

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.05
BATCH_MAX = 1000

# Keeps the heartbeats of these camera ids (receipt time now); returns the ids not registered.
Keep = Callable[[list[str]], list[str]]


class BadTopic(ValueError):
    pass


def camera_of(topic: str) -> str:
    parts = topic.split("/")
    if len(parts) != 4 or parts[:2] != ["kuzet", "cameras"] or parts[3] != "heartbeat" or not parts[2]:
        raise BadTopic("topic is not kuzet/cameras/<camera id>/heartbeat")
    return parts[2]


@dataclass
class HeartbeatSubscriber:
    url: str
    topic: str
    keep: Keep
    counts: Counter[str] = field(default_factory=Counter)  # heartbeats by outcome, since start

    async def run(self) -> None:
        """Subscribe until cancelled, reconnecting whenever the broker is lost."""
        await subscribe_forever(self.url, self.topic, self._consume)

    async def _consume(self, client: aiomqtt.Client) -> None:
        pending: set[str] = set()
        messages = client.messages
        while True:
            try:
                message = await asyncio.wait_for(anext(messages), BATCH_SECONDS if pending else None)
            except TimeoutError:
                await self._flush(pending)
                pending = set()
                continue
            try:
                pending.add(camera_of(str(message.topic)))
            except BadTopic as exc:
                log.warning("camera heartbeat refused", extra={"reason": str(exc)})
                self.counts["refused"] += 1
            if len(pending) >= BATCH_MAX:
                await self._flush(pending)
                pending = set()

    async def _flush(self, camera_ids: set[str]) -> None:
        if not camera_ids:
            return
        try:
            unknown = await run_in_threadpool(self.keep, sorted(camera_ids))
        except Exception:
            # A heartbeat is worth nothing a minute later: log, count and go on with the next ones.
            log.exception("camera heartbeats could not be kept")
            self.counts["failed"] += len(camera_ids)
            return
        if unknown:
            log.warning("camera heartbeats of unregistered cameras", extra={"count": len(unknown)})
            self.counts["unknown"] += len(unknown)
        self.counts["stored"] += len(camera_ids) - len(unknown)


def heartbeat_subscriber(services: Services) -> HeartbeatSubscriber | None:
    """The camera heartbeat subscriber, if a broker is configured (`KUZET_MQTT_URL`)."""
    from kuzet.cctv import health_service  # the database: only when the server runs

    s = services.settings
    if not s.mqtt_url:
        return None
    offline_after = timedelta(seconds=s.cctv_offline_seconds)

    def keep(camera_ids: list[str]) -> list[str]:
        return health_service.beats(
            services.uow(), camera_ids, via="mqtt", at=services.clock.now(), offline_after=offline_after
        )

    return HeartbeatSubscriber(s.mqtt_url, s.cctv_heartbeat_topic, keep)
