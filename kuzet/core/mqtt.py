"""The MQTT subscription every subscriber beside the API runs (units' positions, camera heartbeats):
connect to the broker named by a URL, subscribe to one topic, hand the client to the feature's consumer,
and reconnect whenever the broker goes away, until cancelled. What a message means is the feature's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import aiomqtt

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 2.0

# Reads the subscribed client's messages until the connection is lost (aiomqtt.MqttError).
Consume = Callable[[aiomqtt.Client], Awaitable[None]]


async def subscribe_forever(url: str, topic: str, consume: Consume) -> None:
    """Subscribe until cancelled, reconnecting whenever the broker is lost."""
    address = urlsplit(url)
    while True:
        try:
            async with aiomqtt.Client(
                address.hostname or "127.0.0.1",
                address.port or 1883,
                username=address.username,
                password=address.password,
                identifier=None,
            ) as client:
                await client.subscribe(topic, qos=1)
                log.info("mqtt subscribed", extra={"topic": topic})
                await consume(client)
        except aiomqtt.MqttError as exc:
            log.warning("mqtt connection lost, reconnecting", extra={"reason": str(exc)})
            await asyncio.sleep(RECONNECT_SECONDS)
