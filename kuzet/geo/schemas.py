"""API shapes of the region's geography."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AddressOut(BaseModel):
    label: str
    lat: float
    lon: float
    kind: str = Field(
        description="address; interpolated (a house placed between its tagged neighbours); intersection; "
        "street; place"
    )
    score: float = Field(description="How well it matches, 0 to 100")
    distance_m: float | None = Field(default=None, description="Reverse geocoding: metres from the point")
    district: str | None = Field(default=None, description="Search: the district the place lies in")


class DistrictOut(BaseModel):
    district: str | None = Field(
        description="The district whose polygon holds the point; null outside every district. A new incident "
        "at the point belongs to this district, whoever registers it"
    )


class RoadsOut(BaseModel):
    loaded: bool
    file: str | None = None
    source: str | None = None
    imported_at: str | None = None
    nodes: int | None = None
    edges: int | None = None
    gazetteer_loaded: bool
    attribution: str | None = None
