"""Routes of the camera registry (/api/v1/cameras). Every operations role reads it (cctv.read);
supervisors and administrators change and import it (cctv.manage). A camera's snapshot and stream
addresses are answered only on the one-camera read (each such read audited) and the manager's own changes,
only to a role that watches or manages cameras, and only without credentials (scheme://host[:port]/path):
the full address never leaves the server. Listings never carry addresses, only whether a camera has them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from kuzet.cctv import seeing, service
from kuzet.cctv.buildings_osm import load_buildings
from kuzet.cctv.domain import CAMERA_ID_MAX, CameraStatus
from kuzet.cctv.imports import ImportFormat
from kuzet.cctv.schemas import CameraIn, CameraOut, CameraPatch, ImportOut, IncidentCamerasOut
from kuzet.cctv.visibility import LocalProjection
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission, Role, allows
from kuzet.core.deps import NowDep, ServicesDep, UowDep, get_services, require
from kuzet.core.errors import KuzetError, PayloadTooLarge
from kuzet.core.i18n import N_, negotiate
from kuzet.core.ids import RowId
from kuzet.core.openapi import binary_body, problems

router = APIRouter(prefix="/api/v1", tags=["cameras"])
Reader = Annotated[Actor, Depends(require(Permission.CCTV_READ))]
# Which cameras see an incident tells where the incident is: whoever may read incidents (in their scope).
IncidentReader = Annotated[Actor, Depends(require(Permission.INCIDENTS_READ))]
Manager = Annotated[Actor, Depends(require(Permission.CCTV_MANAGE))]
CameraId = Annotated[
    str, Path(min_length=1, max_length=CAMERA_ID_MAX, description="The camera's id, e.g. CAM-0001")
]
IMPORT_TYPES = {"text/csv": ImportFormat.CSV, "application/geo+json": ImportFormat.GEOJSON}
IMPORT_MAX_BYTES = 20 * 1024 * 1024


class UnsupportedImportType(KuzetError):
    status, slug = 415, "unsupported-media-type"
    title = N_("Unsupported media type")
    default_detail = N_("Send the file as text/csv or application/geo+json.")


async def _read_at_most(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes the limit (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def sees_addresses(actor: Actor) -> bool:
    """Whether the actor's role may see where a camera is reached (without its credentials): the roles that
    watch cameras or manage the registry."""
    if actor.role is None:
        return False
    role = Role(actor.role)
    return allows(role, Permission.CCTV_WATCH) or allows(role, Permission.CCTV_MANAGE)


@router.get("/cameras", response_model=list[CameraOut], summary="Cameras (never with addresses)")
def list_cameras(
    actor: Reader,
    uow: UowDep,
    status: Annotated[list[CameraStatus] | None, Query(description="Only these statuses")] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
) -> list[CameraOut]:
    found = service.listing(uow, box=None, statuses=frozenset(status) if status else None, owner=owner)
    return [CameraOut.from_domain(c, shows_urls=False) for c in found]


@router.post(
    "/cameras",
    response_model=CameraOut,
    status_code=201,
    summary="Register a camera",
    responses=problems(409),
)
def create_camera(
    body: CameraIn, actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep
) -> CameraOut:
    camera = service.register(
        uow, services.auth.box, camera=body.to_domain(), region=services.settings.region_bbox, by=actor, at=at
    )
    return CameraOut.from_domain(camera, shows_urls=sees_addresses(actor))


@router.post(
    "/cameras/import",
    response_model=ImportOut,
    summary="Import cameras from CSV or GeoJSON, row by row, with a report of the rejected rows",
    openapi_extra=binary_body(IMPORT_TYPES),
    responses=problems(413, 415),
)
async def import_cameras(
    request: Request,
    actor: Manager,
    dry_run: Annotated[bool, Query(description="Check every row and report; store nothing")] = False,
) -> ImportOut:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    file_format = IMPORT_TYPES.get(media_type)
    if file_format is None:
        raise UnsupportedImportType()
    body = await _read_at_most(request, IMPORT_MAX_BYTES)
    services = get_services(request)
    report = await run_in_threadpool(
        service.import_cameras,
        services.uow(),
        services.auth.box,
        data=body,
        file_format=file_format,
        region=services.settings.region_bbox,
        dry_run=dry_run,
        source=f"upload:{actor.name}",
        by=actor,
        at=services.clock.now(),
    )
    return ImportOut.from_domain(report, negotiate(request.headers.get("accept-language")))


@router.get(
    "/cameras/{camera_id}",
    response_model=CameraOut,
    summary="One camera (addresses without credentials to roles that watch or manage cameras)",
)
def get_camera(
    camera_id: CameraId, actor: Reader, services: ServicesDep, uow: UowDep, at: NowDep
) -> CameraOut:
    if not sees_addresses(actor):
        return CameraOut.from_domain(service.get(uow, camera_id=camera_id, box=None), shows_urls=False)
    camera = service.read_addresses(uow, services.auth.box, camera_id=camera_id, by=actor, at=at)
    return CameraOut.from_domain(camera, shows_urls=True)


@router.patch("/cameras/{camera_id}", response_model=CameraOut, summary="Change a camera")
def update_camera(
    camera_id: CameraId, body: CameraPatch, actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep
) -> CameraOut:
    camera = service.update(
        uow,
        services.auth.box,
        camera_id=camera_id,
        changes=body.changes(),
        region=services.settings.region_bbox,
        by=actor,
        at=at,
    )
    return CameraOut.from_domain(camera, shows_urls=sees_addresses(actor))


@router.delete(
    "/cameras/{camera_id}", response_model=CameraOut, summary="Retire a camera (its record is kept)"
)
def retire_camera(
    camera_id: CameraId, actor: Manager, services: ServicesDep, uow: UowDep, at: NowDep
) -> CameraOut:
    camera = service.retire(uow, services.auth.box, camera_id=camera_id, by=actor, at=at)
    return CameraOut.from_domain(camera, shows_urls=sees_addresses(actor))


@router.get(
    "/incidents/{incident_id}/cameras",
    response_model=IncidentCamerasOut,
    summary="The cameras that see the incident, and the nearby ones that do not, with the reason",
)
def incident_cameras(
    incident_id: RowId, actor: IncidentReader, services: ServicesDep, uow: UowDep
) -> IncidentCamerasOut:
    settings = services.settings
    projection = LocalProjection.around(settings.region_bbox)
    found = seeing.for_incident(
        uow,
        incident_id=incident_id,
        by=actor,
        buildings=load_buildings(settings.buildings_file, projection),
        projection=projection,
    )
    return IncidentCamerasOut.from_domain(found)
