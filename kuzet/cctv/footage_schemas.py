"""API shapes of footage requests and their chain of custody."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kuzet.cctv.footage import (
    BADGE_MAX,
    NAME_MAX,
    REASON_MAX,
    REFERENCE_MAX,
    CustodyEntry,
    CustodyStep,
    FootageRequest,
)
from kuzet.core.ids import MAX_ID


class FootageRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: int = Field(ge=1, le=MAX_ID, description="The incident the footage is for")
    window_start: AwareDatetime = Field(
        description="Within the camera's retention", examples=["2026-12-06T09:00:00Z"]
    )
    window_end: AwareDatetime = Field(description="After the start, not in the future, at most 24 h later")
    reason: str = Field(
        min_length=1, max_length=REASON_MAX, examples=["Хулиганство у магазина: лица нападавших"]
    )


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file_sha256: str = Field(min_length=64, max_length=64, description="SHA-256 of the exported file, hex")
    file_reference: str = Field(
        min_length=1,
        max_length=REFERENCE_MAX,
        description="Where the copy is kept",
        examples=["EVD-2026-0412"],
    )


class HandOverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    investigator_name: str = Field(min_length=1, max_length=NAME_MAX, examples=["Нурлан Жумабеков"])
    investigator_badge: str = Field(min_length=1, max_length=BADGE_MAX, examples=["0417"])


class CustodyEntryOut(BaseModel):
    step: CustodyStep
    at: AwareDatetime
    by: str
    by_role: str | None
    file_sha256: str | None = None
    file_reference: str | None = None
    investigator_name: str | None = None
    investigator_badge: str | None = None

    @classmethod
    def from_domain(cls, entry: CustodyEntry) -> CustodyEntryOut:
        return cls.model_validate(entry.__dict__)


class FootageRequestOut(BaseModel):
    id: int
    camera_id: str
    incident_id: int
    window_start: AwareDatetime
    window_end: AwareDatetime
    reason: str
    status: CustodyStep
    trail: list[CustodyEntryOut] = Field(description="Each step, oldest first: who, when, and what it left")

    @classmethod
    def from_domain(cls, request: FootageRequest) -> FootageRequestOut:
        assert request.request_id is not None  # noqa: S101 - a stored request always has its id
        return cls(
            id=request.request_id,
            camera_id=request.camera_id,
            incident_id=request.incident_id,
            window_start=request.window_start,
            window_end=request.window_end,
            reason=request.reason,
            status=request.status,
            trail=[CustodyEntryOut.from_domain(e) for e in request.trail],
        )
