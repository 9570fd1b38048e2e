"""Use cases of the region's geography: replace the district map, read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kuzet.core.actor import Actor
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.geo.districts import DistrictError, Districts
from kuzet.geo.runtime import feature_collection
from kuzet.geo.store import DistrictRepository

BAD_DISTRICTS = N_("Not a valid district map: {reason}.")


def replace_districts(uow: UnitOfWork, data: Any, *, by: Actor, at: datetime) -> Districts:
    """Check a GeoJSON FeatureCollection of district polygons, then make it the district map."""
    try:
        districts = Districts.from_geojson(data)
    except DistrictError as exc:
        raise InvalidInput(
            [
                FieldError(
                    path.replace("/", "."), BAD_DISTRICTS, "invalid_district", params={"reason": reason}
                )
                for path, reason in exc.errors
            ]
        ) from exc
    rows = []
    for feature in districts.to_geojson()["features"]:
        props = feature["properties"]
        rows.append(
            {
                "code": props["code"],
                "name_ru": props.get("name_ru") or props.get("name"),
                "name_kk": props.get("name_kk"),
                "name_en": props.get("name_en"),
                "geometry": feature["geometry"],
                "updated_at": at,
            }
        )
    with uow:
        uow.repo(DistrictRepository).replace_all(rows)
        uow.audit(
            by,
            "districts.replace",
            object_type="districts",
            object_id="all",
            at=at,
            detail={"codes": sorted(r["code"] for r in rows)},
        )
        uow.commit()
    return districts


def district_map(uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        return feature_collection(uow.repo(DistrictRepository).all())
