"""Routes of the region's geography: address search, reverse geocoding, districts and the road map's state."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, UowDep, get_services, require
from kuzet.core.errors import NotFound, Unavailable
from kuzet.core.i18n import N_
from kuzet.core.openapi import problems
from kuzet.geo import service
from kuzet.geo.drawing import SCALE, Drawing
from kuzet.geo.drawing import draw as drawing_of
from kuzet.geo.schemas import AddressOut, DistrictOut, RoadsOut

if TYPE_CHECKING:
    from kuzet.geo.gazetteer import Candidate  # scipy and osmium: loaded with the gazetteer, not the routes

router = APIRouter(prefix="/api/v1/geo", tags=["geography"])
Operator = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]
Reader = Annotated[Actor, Depends(require(Permission.CATALOGUE_READ))]
Manager = Annotated[Actor, Depends(require(Permission.CATALOGUE_MANAGE))]
ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
Latitude = Annotated[float, Query(ge=-90, le=90)]
Longitude = Annotated[float, Query(ge=-180, le=180)]
NO_GAZETTEER = N_("No address gazetteer is loaded: import a map with `kuzet import-osm`.")


HOME_DISTRICT_BONUS = 10.0  # score points by which a place in the operator's own district is preferred


def _out(c: Candidate, district: str | None = None) -> AddressOut:
    return AddressOut(
        label=c.label,
        lat=c.lat,
        lon=c.lon,
        kind=c.kind,
        score=c.score,
        distance_m=c.distance_m,
        district=district,
    )


@router.get(
    "/search",
    response_model=list[AddressOut],
    summary="Find an address or street by free text",
    responses=problems(503),
)
def search(
    actor: Operator,
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What the caller said")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    district: Annotated[
        str | None,
        Query(max_length=64, description="Rank this district's places first (default: the operator's own)"),
    ] = None,
) -> list[AddressOut]:
    """Each answer names the district it lies in; those in the operator's district rank as if
    HOME_DISTRICT_BONUS points better, so the same street name in a far town comes after the near one."""
    geo = get_services(request).geo
    if geo.gazetteer is None:
        raise Unavailable(NO_GAZETTEER)
    home = district or actor.district
    found = [(c, geo.district_of(c.lat, c.lon)) for c in geo.gazetteer.search(q, limit=limit * 3)]
    found.sort(key=lambda pair: -(pair[0].score + (HOME_DISTRICT_BONUS if home and pair[1] == home else 0.0)))
    return [_out(c, where) for c, where in found[:limit]]


@router.get(
    "/reverse",
    response_model=AddressOut,
    summary="The nearest address to a point",
    responses=problems(404, 503),
)
def reverse(
    actor: Operator,
    request: Request,
    lat: Latitude,
    lon: Longitude,
) -> AddressOut:
    gazetteer = get_services(request).geo.gazetteer
    if gazetteer is None:
        raise Unavailable(NO_GAZETTEER)
    found = gazetteer.reverse(lat, lon)
    if found is None:
        raise NotFound(N_("No address near this point."))
    return _out(found)


@router.get("/district", response_model=DistrictOut, summary="The district a point lies in")
def district_at(
    actor: Operator,
    request: Request,
    lat: Latitude,
    lon: Longitude,
) -> DistrictOut:
    return DistrictOut(district=get_services(request).geo.district_of(lat, lon))


@router.get("/districts", summary="The district map (GeoJSON FeatureCollection)")
def districts(actor: Reader, uow: UowDep) -> dict[str, Any]:
    return service.district_map(uow)


@router.put("/districts", summary="Replace the district map with a GeoJSON FeatureCollection")
def replace_districts(
    actor: Manager, request: Request, uow: UowDep, at: NowDep, body: Annotated[Any, Body()]
) -> dict[str, Any]:
    service.replace_districts(uow, body, by=actor, at=at)
    get_services(request).geo.reload()
    return service.district_map(get_services(request).uow())


@router.get("/roads", response_model=RoadsOut, summary="The road map in use")
def roads(actor: Reader, request: Request) -> RoadsOut:
    geo = get_services(request).geo
    loaded = geo.roads
    gazetteer = geo.gazetteer
    if loaded is None:
        return RoadsOut(loaded=False, gazetteer_loaded=gazetteer is not None)
    meta = dict(loaded.graph.meta)
    return RoadsOut(
        loaded=True,
        file=loaded.source.name,
        source=str(meta.get("source", "")) or None,
        imported_at=str(meta.get("imported_at", "")) or None,
        nodes=loaded.graph.node_count,
        edges=loaded.graph.edge_count,
        gazetteer_loaded=gazetteer is not None,
        attribution=ATTRIBUTION,
    )


@router.get("/roads/geometry", summary="The road map as polylines, for drawing (gzip when accepted)")
def road_geometry(actor: Reader, request: Request) -> Response:
    """`lines`: integers in 1e-5 degrees, the first point absolute and each next one a step from the one
    before; `tiers`: 0 main roads, 1 streets, 2 service roads, per line; `names`: the street names drawn and
    `line_names`: per line, an index into `names` or -1 (all -1 without a gazetteer). Empty when no map is
    loaded."""
    geo = get_services(request).geo
    loaded = geo.roads
    drawing = drawing_of(loaded.graph) if loaded is not None else Drawing([], [])
    names: list[str] = []
    line_names = [-1] * len(drawing.lines)
    gazetteer = geo.gazetteer if loaded is not None else None
    if loaded is not None and gazetteer is not None:
        from kuzet.geo.street_names import name_lines  # scipy: loaded with the gazetteer already

        named = name_lines(loaded.graph, gazetteer)
        names, line_names = named.names, named.line_names
    body = json.dumps(
        {
            "name": loaded.source.name if loaded is not None else None,
            "attribution": ATTRIBUTION,
            "scale": SCALE,
            "lines": drawing.lines,
            "tiers": drawing.tiers,
            "names": names,
            "line_names": line_names,
        },
        separators=(",", ":"),
    ).encode()
    headers = {"Cache-Control": "private, max-age=300", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)
