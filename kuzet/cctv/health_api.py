"""Routes of camera health for the supervisor's view: which cameras are offline and since when
(/api/v1/cameras/health), and uptime per camera and per owner over a period (/api/v1/cameras/uptime)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field

from kuzet.cctv import health_service
from kuzet.cctv.health import Uptime
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require

router = APIRouter(prefix="/api/v1/cameras", tags=["cctv"])
Reader = Annotated[Actor, Depends(require(Permission.CCTV_READ))]


class CameraHealthOut(BaseModel):
    camera: str
    owner: str
    type: str
    status: str = Field(description="The registry's status (a camera in maintenance raises no alarm)")
    state: str = Field(description="online or offline")
    since: datetime | None = Field(
        description="Offline: its last heartbeat (null: never heard from); online: since it came up"
    )
    last_heartbeat_at: datetime | None
    alarm: bool = Field(description="Offline while the registry has it active")


class HealthOut(BaseModel):
    offline_after_seconds: float
    offline: int
    alarms: int
    cameras: list[CameraHealthOut] = Field(description="Offline first, the longest silent first")


class UptimeOut(BaseModel):
    key: str = Field(description="The camera's id, or the owner")
    cameras: int
    measured_seconds: float = Field(description="The period measured (from registration, to now at most)")
    up_seconds: float
    uptime: float | None = Field(description="Share of the period up, 0–1 (null: nothing measured)")

    @classmethod
    def of(cls, u: Uptime) -> UptimeOut:
        ratio = u.ratio
        return cls(
            key=u.key,
            cameras=u.cameras,
            measured_seconds=round(u.period_seconds, 3),
            up_seconds=round(u.up_seconds, 3),
            uptime=None if ratio is None else round(ratio, 6),
        )


class UptimeReportOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    cameras: list[UptimeOut]
    owners: list[UptimeOut]


def _offline_after(services: ServicesDep) -> timedelta:
    return timedelta(seconds=services.settings.cctv_offline_seconds)


@router.get("/health", response_model=HealthOut, summary="Every camera's health: offline ones since when")
def camera_health(actor: Reader, services: ServicesDep, uow: UowDep, at: NowDep) -> HealthOut:
    found = health_service.health(uow, now=at, offline_after=_offline_after(services))
    return HealthOut(
        offline_after_seconds=services.settings.cctv_offline_seconds,
        offline=sum(1 for c in found if c.health.state.value == "offline"),
        alarms=sum(1 for c in found if c.alarm),
        cameras=[
            CameraHealthOut(
                camera=c.camera_id,
                owner=c.owner,
                type=c.type,
                status=c.status,
                state=c.health.state.value,
                since=c.health.since,
                last_heartbeat_at=c.health.last_beat_at,
                alarm=c.alarm,
            )
            for c in found
        ],
    )


@router.get(
    "/uptime",
    response_model=UptimeReportOut,
    response_model_by_alias=True,
    summary="Uptime per camera and per owner over a period",
)
def camera_uptime(
    actor: Reader,
    services: ServicesDep,
    uow: UowDep,
    at: NowDep,
    start: Annotated[AwareDatetime, Query(alias="from", description="Start of the period (with its offset)")],
    end: Annotated[
        AwareDatetime | None, Query(alias="to", description="End of the period (default: now)")
    ] = None,
) -> UptimeReportOut:
    report = health_service.uptime(
        uow, start=start, end=end or at, now=at, offline_after=_offline_after(services)
    )
    return UptimeReportOut(
        start=report.start,
        end=report.end,
        cameras=[UptimeOut.of(u) for _, _, u in report.cameras],
        owners=[UptimeOut.of(u) for u in report.owners],
    )
