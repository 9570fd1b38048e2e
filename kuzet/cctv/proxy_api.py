"""Routes of the live view (/api/v1/cameras/{camera_id}/snapshot and /live): a camera's current picture for an
operator allowed to watch (cctv.watch), for an incident in their scope, fetched by the server. The camera's
address stays in the server; every view is audited, and a stream again when it ends.

The routes are async: the camera is called with httpx's async client, so a slow camera holds no worker
thread; the database work (scope, the sealed address, the audit rows) runs in the thread pool."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Final

import anyio
import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from kuzet.cctv import proxy
from kuzet.cctv.api import CameraId
from kuzet.cctv.proxy import Limits, ViewKind, ViewTarget
from kuzet.config import Settings
from kuzet.core.actor import Actor
from kuzet.core.auth import service as auth
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import get_services, require
from kuzet.core.errors import KuzetError
from kuzet.core.ids import MAX_ID
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])
Watcher = Annotated[Actor, Depends(require(Permission.CCTV_WATCH))]
IncidentRef = Annotated[
    int, Query(alias="incident", ge=1, le=MAX_ID, description="The incident the picture is watched for")
]
SESSION_CHECK_S: Final = 10.0  # how often a long stream checks that the viewer's session still holds
NO_STORE: Final = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def limits(settings: Settings) -> Limits:
    return Limits(
        connect_s=settings.cctv_proxy_connect_seconds,
        read_s=settings.cctv_proxy_read_seconds,
        live_max_s=settings.cctv_live_max_seconds,
        live_max_bytes=settings.cctv_live_max_bytes,
        snapshot_max_bytes=settings.cctv_snapshot_max_bytes,
    )


def _client() -> httpx.AsyncClient:
    # No proxies from the environment, no redirects (a camera redirecting elsewhere is refused, not followed).
    return httpx.AsyncClient(trust_env=False, follow_redirects=False)


async def _target(
    request: Request, camera_id: str, incident: int, kind: ViewKind, actor: Actor
) -> ViewTarget:
    services = get_services(request)
    return await run_in_threadpool(
        proxy.authorise_view,
        services.uow(),
        services.auth.box,
        camera_id=camera_id,
        incident_id=incident,
        kind=kind,
        by=actor,
    )


async def _record(request: Request, target: ViewTarget, actor: Actor, result: str, **detail: object) -> None:
    services = get_services(request)
    await run_in_threadpool(
        proxy.record_view,
        services.uow(),
        target,
        by=actor,
        at=services.clock.now(),
        result=result,
        detail=detail,
    )


@router.get(
    "/{camera_id}/snapshot",
    response_class=Response,
    summary="The camera's current picture (JPEG), fetched by the server",
    responses={200: {"content": {"image/jpeg": {}}}, **problems(409, 502, 504)},
)
async def snapshot(camera_id: CameraId, incident: IncidentRef, actor: Watcher, request: Request) -> Response:
    target = await _target(request, camera_id, incident, ViewKind.SNAPSHOT, actor)
    async with _client() as client:
        try:
            picture = await proxy.fetch_snapshot(client, target, limits(get_services(request).settings))
        except KuzetError as exc:
            await _record(request, target, actor, exc.slug)
            raise
    await _record(request, target, actor, "ok", bytes=len(picture))
    return Response(picture, media_type="image/jpeg", headers=NO_STORE)


@router.get(
    "/{camera_id}/live",
    response_class=StreamingResponse,
    summary="The camera's live picture (MJPEG, multipart/x-mixed-replace), passed on by the server",
    responses={200: {"content": {"multipart/x-mixed-replace": {}}}, **problems(409, 502, 504)},
)
async def live(
    camera_id: CameraId, incident: IncidentRef, actor: Watcher, request: Request
) -> StreamingResponse:
    """The stream ends by itself after KUZET_CCTV_LIVE_MAX_SECONDS or KUZET_CCTV_LIVE_MAX_BYTES; a viewer who
    still watches opens it again (each opening is a view of its own in the audit log)."""
    services = get_services(request)
    target = await _target(request, camera_id, incident, ViewKind.LIVE, actor)
    client = _client()
    try:
        stream = await proxy.open_stream(client, target, limits(services.settings))
    except KuzetError as exc:
        await client.aclose()
        await _record(request, target, actor, exc.slug)
        raise
    await _record(request, target, actor, "ok")

    def still_open() -> bool:
        if actor.session_id is None:
            return True
        return auth.session_open(
            services.uow(), services.auth, session_id=actor.session_id, at=services.clock.now()
        )

    async def body() -> AsyncIterator[bytes]:
        chunks = stream.chunks()
        checked = time.monotonic()
        try:
            async for chunk in chunks:
                yield chunk
                if time.monotonic() - checked > SESSION_CHECK_S:  # logged out, timed out or locked: stop
                    checked = time.monotonic()
                    if not await run_in_threadpool(still_open):
                        stream.ended = "session_ended"
                        break
        finally:
            with anyio.CancelScope(shield=True):  # the viewer may have gone: still close and audit
                await chunks.aclose()
                await client.aclose()
                await run_in_threadpool(
                    proxy.record_stream_end,
                    services.uow(),
                    target,
                    by=actor,
                    at=services.clock.now(),
                    seconds=stream.seconds,
                    sent=stream.sent,
                    ended=stream.ended,
                )

    return StreamingResponse(body(), media_type=stream.content_type, headers=NO_STORE)
