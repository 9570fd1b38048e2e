"""The console's server side: its static files, its texts, and the live stream of changes (SSE)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

from kuzet.console.feed import REGION_WIDE
from kuzet.console.hub import LiveHub
from kuzet.console.store import LiveEvent
from kuzet.console.texts import TEXTS
from kuzet.core.actor import Actor
from kuzet.core.auth import service as auth
from kuzet.core.auth.domain import Permission
from kuzet.core.clock import LOCAL_TZ
from kuzet.core.deps import get_services, require
from kuzet.core.i18n import translate
from kuzet.core.ids import FeedSeq

STATIC = Path(__file__).with_name("static")
HEARTBEAT_SECONDS = 15.0

router = APIRouter(tags=["console"])
Viewer = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]
PUBLIC_ROUTES = {("GET", "/"), ("GET", "/api/v1/console/texts")}


def get_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live_hub
    return hub


class HeadOut(BaseModel):
    seq: int


class ConsoleSettingsOut(BaseModel):
    """What the console measures against: the same numbers the server uses."""

    response_target_minutes: dict[int, float]
    overdue_dispatch_minutes: dict[int, float]
    overdue_arrival_minutes: dict[int, float]
    position_stale_seconds: float
    timezone: str


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/console/")


@router.get("/api/v1/console/texts", summary="The console's texts in one language")
def texts(locale: Literal["ru", "kk", "en"] = "ru") -> dict[str, str]:
    return {key: translate(message, locale) for key, message in TEXTS.items()}


@router.get("/api/v1/console/settings", response_model=ConsoleSettingsOut, summary="Targets and thresholds")
def console_settings(viewer: Viewer, request: Request) -> ConsoleSettingsOut:
    s = get_services(request).settings
    return ConsoleSettingsOut(
        response_target_minutes=s.response_target_minutes,
        overdue_dispatch_minutes=s.overdue_dispatch_minutes,
        overdue_arrival_minutes=s.overdue_arrival_minutes,
        position_stale_seconds=s.position_stale_seconds,
        timezone=str(LOCAL_TZ),
    )


@router.get(
    "/api/v1/live/head", response_model=HeadOut, summary="The newest live-feed number (load after it)"
)
async def head(viewer: Viewer, request: Request) -> HeadOut:
    return HeadOut(seq=await asyncio.to_thread(get_hub(request).head))


def _for(viewer: Actor, event: LiveEvent) -> bool:
    """Whether the viewer hears of this change: one of its districts', or one told to the whole region."""
    return event.kind in REGION_WIDE or viewer.in_scope(event.district)


def _message(event: LiveEvent) -> str:
    return f"id: {event.seq}\nevent: {event.kind}\ndata: {json.dumps(event.payload, ensure_ascii=False)}\n\n"


@router.get(
    "/api/v1/live",
    summary="Changes as they are committed (text/event-stream)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def live(
    viewer: Viewer,
    request: Request,
    after: Annotated[FeedSeq | None, Query(description="Replay what came after this number")] = None,
    last_event_id: Annotated[FeedSeq | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: `id` is the feed number, `event` the kind (incident, appeal, unit, assignment,
    positions, alert), `data` JSON. A console that reconnects sends the last number it saw (`after` or
    `Last-Event-ID`) and gets what it missed first; `event: reset` means it must reload its snapshot."""
    hub = get_hub(request)
    services = get_services(request)
    start = last_event_id if last_event_id is not None else after
    queue = hub.subscribe()

    def still_open() -> bool:
        if viewer.session_id is None:
            return True
        return auth.session_open(
            services.uow(), services.auth, session_id=viewer.session_id, at=services.clock.now()
        )

    async def stream() -> AsyncIterator[str]:
        sent: set[int] = set()
        try:
            if start is not None:
                missed = await asyncio.to_thread(hub.catch_up, start)
                if missed is None:
                    yield f"event: reset\ndata: {json.dumps({'head': await asyncio.to_thread(hub.head)})}\n\n"
                for old in missed or []:
                    sent.add(old.seq)
                    if _for(viewer, old):
                        yield _message(old)
            yield ": connected\n\n"
            while True:
                try:
                    event: LiveEvent | None = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    if not await asyncio.to_thread(still_open):
                        yield "event: session_ended\ndata: {}\n\n"  # logged out, timed out or locked
                        return
                    yield ": ping\n\n"
                    continue
                if event is None:
                    return
                if event.seq not in sent and _for(viewer, event):
                    yield _message(event)
        finally:
            hub.unsubscribe(queue)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
