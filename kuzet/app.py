"""The FastAPI application: routers, problem+json handlers, metrics and the permission check at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from kuzet import __version__
from kuzet.analytics.api import router as analytics_router
from kuzet.analytics.arrivals_api import router as far_arrivals_router
from kuzet.analytics.compare_api import router as compare_router
from kuzet.analytics.dimensions_api import router as analytics_dimensions_router
from kuzet.analytics.joint_api import router as joint_response_router
from kuzet.analytics.report.api import router as report_router
from kuzet.analytics.report.html import STYLE as REPORT_STYLE
from kuzet.analytics.service import Refresher, analytics_settings
from kuzet.appeals.api import router as appeals_router
from kuzet.cctv.api import router as cameras_router
from kuzet.cctv.camera_events_api import router as camera_events_router
from kuzet.cctv.camera_events_images_api import router as camera_event_images_router
from kuzet.cctv.coverage_api import router as cctv_coverage_router
from kuzet.cctv.footage_api import router as footage_router
from kuzet.cctv.health_api import router as camera_health_router
from kuzet.cctv.health_mqtt import heartbeat_subscriber
from kuzet.cctv.placement_api import router as placement_router
from kuzet.cctv.proxy_api import router as camera_view_router
from kuzet.cctv.watchlist_api import router as watchlist_router
from kuzet.config import Settings, get_settings
from kuzet.console.api import PUBLIC_ROUTES as CONSOLE_PUBLIC_ROUTES
from kuzet.console.api import STATIC as CONSOLE_STATIC
from kuzet.console.api import router as console_router
from kuzet.console.hub import LiveHub
from kuzet.container import Services
from kuzet.core import observability
from kuzet.core.audit.api import router as audit_router
from kuzet.core.audit.checkpoint_writer import audit_checkpoint_writer
from kuzet.core.auth.api import PUBLIC_ROUTES as AUTH_PUBLIC_ROUTES
from kuzet.core.auth.api import router as auth_router
from kuzet.core.auth.users_api import router as users_router
from kuzet.core.deps import api_routes, declared_permission
from kuzet.core.input_guard import TextGuardMiddleware
from kuzet.core.observability import MetricsMiddleware
from kuzet.core.openapi import truthful_openapi
from kuzet.core.problems import BodyLimitMiddleware, UnexpectedErrorMiddleware, install_error_handlers
from kuzet.core.security_headers import SecurityHeadersMiddleware
from kuzet.dispatch.api import router as dispatch_router
from kuzet.dispatch.recommendations_api import router as recommendations_router
from kuzet.geo.api import router as geo_router
from kuzet.incidents.api import router as incidents_router
from kuzet.incidents.search_api import router as incident_search_router
from kuzet.interagency.alert_api import PUBLIC_ROUTES as ALERT_PUBLIC_ROUTES
from kuzet.interagency.alert_api import feed_router as alert_feed_router
from kuzet.interagency.alert_api import router as alerts_router
from kuzet.interagency.api import router as agencies_router
from kuzet.interagency.handover_api import agency_router as agency_exchange_router
from kuzet.interagency.handover_api import router as handovers_router
from kuzet.interagency.link_api import agency_link_router, health_router
from kuzet.partners.api import admin as partners_admin_router
from kuzet.partners.api import gateway as partner_gateway
from kuzet.partners.api import staff_media as media_router
from kuzet.planning.api import router as planning_router
from kuzet.units.api import router as units_router
from kuzet.units.positions.api import router as positions_router

# Routes anyone may call. Every other route must declare a permission, or the app refuses to start.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        *AUTH_PUBLIC_ROUTES,
        *CONSOLE_PUBLIC_ROUTES,
        *ALERT_PUBLIC_ROUTES,
    }
)

# Routes are matched in this order, router by router: the partner gateway, the busiest path, comes first.
ROUTERS = (
    observability.router,
    partner_gateway,
    auth_router,
    users_router,
    audit_router,
    appeals_router,
    incident_search_router,  # before /incidents/{incident_id}
    incidents_router,
    positions_router,  # before the roster's /units/{unit_id}
    units_router,
    dispatch_router,
    recommendations_router,
    geo_router,
    partners_admin_router,
    health_router,  # before /agencies/{code}
    agencies_router,
    handovers_router,
    agency_exchange_router,
    agency_link_router,
    alerts_router,
    alert_feed_router,
    media_router,
    console_router,
    analytics_router,
    far_arrivals_router,
    compare_router,
    analytics_dimensions_router,
    joint_response_router,
    cctv_coverage_router,
    report_router,
    camera_health_router,  # before the registry's /cameras/{camera_id}
    cameras_router,
    watchlist_router,
    camera_events_router,
    camera_event_images_router,
    camera_view_router,
    placement_router,
    planning_router,
    footage_router,
)


class UndeclaredPermission(RuntimeError):
    pass


def check_permissions_declared(app: FastAPI) -> None:
    for route in api_routes(app.routes):
        for method in route.methods or ():
            if (method, route.path) not in PUBLIC_ROUTES and declared_permission(route) is None:
                raise UndeclaredPermission(f"{method} {route.path} declares no permission")


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_safe_to_serve()
    services = services or Services.build(settings)
    # A bad analytics setting stops the start; the engine itself (DuckDB, numba) is built by the refresher
    # after start-up, or by the first request that needs it, so that it never delays the first request.
    analytics_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        relay = services.relay() if settings.outbox_relay else None
        if relay is not None:
            relay.start()
        subscriber = services.mqtt_subscriber()
        telemetry = asyncio.create_task(subscriber.run()) if subscriber is not None else None
        cameras = heartbeat_subscriber(services)
        heartbeats = asyncio.create_task(cameras.run()) if cameras is not None else None
        every = settings.analytics_refresh_seconds
        refresher = Refresher(lambda: services.analytics, every) if every > 0 else None
        if refresher is not None:
            refresher.start()
        checkpointer = audit_checkpoint_writer(services)  # None when KUZET_AUDIT_CHECKPOINT_SECONDS=0
        if checkpointer is not None:
            checkpointer.start()
        yield
        if checkpointer is not None:
            checkpointer.stop()
        if refresher is not None:
            refresher.stop()
        if heartbeats is not None:
            heartbeats.cancel()
            with suppress(asyncio.CancelledError):
                await heartbeats
        if telemetry is not None:
            telemetry.cancel()
            with suppress(asyncio.CancelledError):
                await telemetry
        if relay is not None:
            relay.stop()
        await hub.stop()
        services.close()

    app = FastAPI(
        title="Kuzet",
        version=__version__,
        description="Police Operations Control Center (ЦОУ) API",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    # The live feed of this process; a commit here wakes it at once (other workers' commits notify it).
    hub = LiveHub(services.engine, services.session_factory, poll_seconds=settings.live_poll_seconds)
    app.state.live_hub = hub
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    # Added inside out: the last one added sees the request first.
    app.add_middleware(TextGuardMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.partner_media_max_bytes + 1024 * 1024)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=services.metrics)
    # Outermost, so every response gets the headers. The report opens as a blob: page under the console's CSP.
    app.add_middleware(SecurityHeadersMiddleware, console_inline_styles=[REPORT_STYLE])
    _mount_console(app)
    check_permissions_declared(app)
    # Routes signed with a machine client's key: the partner gateway, and the agencies' answers to hand-overs.
    signed = (partner_gateway.prefix, agency_exchange_router.prefix, camera_events_router.prefix)
    app.openapi = truthful_openapi(app, public=PUBLIC_ROUTES, partner_prefix=signed)  # type: ignore[method-assign]
    return app


def _mount_console(app: FastAPI) -> None:
    """Serve the built console at /console/ (built from web/ by `make setup`)."""
    if (CONSOLE_STATIC / "index.html").exists():
        app.mount("/console", StaticFiles(directory=CONSOLE_STATIC, html=True), name="console")
    else:
        missing = PlainTextResponse("The console is not built: run `make setup` (it runs npm in web/).", 503)
        app.mount("/console", missing, name="console")
