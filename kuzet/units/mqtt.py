"""GPS fixes over MQTT: a subscriber that runs beside the API and stores what the units' terminals publish.

Topic `kuzet/units/<call sign>/position`, payload JSON `{"at": ISO 8601 with offset, "lat": …, "lon": …,
"speed_kmh"?, "heading"?, "accuracy_m"?}`. Messages are gathered for a moment and stored in one transaction;
if that batch is refused, its fixes are stored one by one, so one bad fix never costs the good ones. A bad
message is logged (with its reason, never its content) and counted; the subscriber keeps running and
reconnects after the broker goes away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiomqtt
from fastapi.concurrency import run_in_threadpool

from kuzet.core.errors import InvalidInput
from kuzet.core.mqtt import subscribe_forever
from kuzet.units.positions.domain import Fix

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.05
BATCH_MAX = 500
OPTIONAL = ("speed_kmh", "heading", "accuracy_m")


class BadMessage(ValueError):
    pass


def parse(topic: str, payload: bytes) -> Fix:
    """A fix from one message; BadMessage names what is wrong."""
    parts = topic.split("/")
    if (
        len(parts) != 4
        or parts[0] != "kuzet"
        or parts[1] != "units"
        or parts[3] != "position"
        or not parts[2]
    ):
        raise BadMessage("topic is not kuzet/units/<call sign>/position")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadMessage("payload is not JSON") from exc
    if not isinstance(data, dict):
        raise BadMessage("payload is not a JSON object")
    try:
        at = datetime.fromisoformat(str(data["at"]))
        lat, lon = float(data["lat"]), float(data["lon"])
        optional = {k: None if data.get(k) is None else float(data[k]) for k in OPTIONAL}
    except (KeyError, TypeError, ValueError) as exc:
        raise BadMessage("at, lat and lon are required; numbers must be numbers") from exc
    if at.tzinfo is None:
        raise BadMessage("at needs a UTC offset")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise BadMessage("lat and lon must be finite")
    return Fix(parts[2], at, lat, lon, **optional)


def _raw(payload: object) -> bytes:
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    return b"" if payload is None else str(payload).encode()


# Stores a list of fixes in one go (raises InvalidInput if any is refused).
Store = Callable[[list[Fix]], object]


@dataclass
class Subscriber:
    url: str
    topic: str
    store: Store
    counted: Callable[[str, int], None]  # (outcome, how many)

    async def run(self) -> None:
        """Subscribe until cancelled, reconnecting whenever the broker is lost."""
        await subscribe_forever(self.url, self.topic, self._consume)

    async def _consume(self, client: aiomqtt.Client) -> None:
        pending: list[Fix] = []
        messages = client.messages
        while True:
            timeout = BATCH_SECONDS if pending else None
            try:
                message = await asyncio.wait_for(anext(messages), timeout)
            except TimeoutError:
                await self._flush(pending)
                pending = []
                continue
            try:
                pending.append(parse(str(message.topic), _raw(message.payload)))
            except BadMessage as exc:
                log.warning("mqtt fix refused", extra={"reason": str(exc)})
                self.counted("refused", 1)
            if len(pending) >= BATCH_MAX:
                await self._flush(pending)
                pending = []

    async def _flush(self, fixes: list[Fix]) -> None:
        if not fixes:
            return
        if await self._store(fixes):
            return
        for fix in fixes:  # the batch was refused: keep every good fix
            await self._store([fix])

    async def _store(self, fixes: list[Fix]) -> bool:
        try:
            await run_in_threadpool(self.store, fixes)
        except InvalidInput as exc:
            if len(fixes) == 1:
                log.warning(
                    "mqtt fix refused", extra={"reason": ",".join(sorted({e.code for e in exc.errors}))}
                )
                self.counted("refused", 1)
            return False
        except Exception:
            # A position is worth little a minute later: log, count and go on with the next ones.
            log.exception("mqtt fixes could not be stored")
            self.counted("failed", len(fixes))
            return True
        self.counted("stored", len(fixes))
        return True
