"""Use cases of camera analytics: register analytics sources and their keys; admit what a source signs; take
an event once per event id, and turn a watch-list hit or a crowd into an appeal on channel `camera`, in the
102 pipeline (the same checks, numbering, incident and queue), joined to the open incident it duplicates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kuzet.appeals import service as appeals
from kuzet.appeals.domain import AppealInput, Channel, Region
from kuzet.cctv import watchlist_service
from kuzet.cctv.camera_events import (
    SOURCE_CODE_PATTERN,
    AlertRules,
    AnalyticsSource,
    CameraEvent,
    EventKind,
    Outcome,
    SourceKey,
    appeal_text,
    crowd_outcome,
    plate_outcome,
    source_actor,
)
from kuzet.cctv.camera_events_store import CameraEventRepository, SourceRepository
from kuzet.cctv.domain import Camera, CameraStatus
from kuzet.cctv.store import CameraRepository
from kuzet.cctv.watchlist import WatchEntry
from kuzet.core import key_rotation, signed_calls, signing
from kuzet.core.actor import Actor
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import Conflict, FieldError, InvalidInput, KuzetError, NotFound, Unauthenticated
from kuzet.core.i18n import N_
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import rules as incident_rules
from kuzet.incidents import service as incidents
from kuzet.incidents.store import CategoryRepository, IncidentRepository

BAD_SIGNATURE = N_("The request signature is missing or wrong.")
EVENT_ID_REUSED = N_("This idempotency key was used with another body.")
UNKNOWN_CAMERA = N_("No such camera.")


@dataclass(frozen=True)
class Issued:
    """A source with a key just issued: the secret is shown once, here."""

    source: AnalyticsSource
    key: SourceKey


def _new_key(code: str, at: datetime) -> SourceKey:
    return SourceKey(signing.new_key_id(code), code, signing.new_secret(), at, None)


def create(uow: UnitOfWork, box: SecretBox, *, source: AnalyticsSource, by: Actor, at: datetime) -> Issued:
    """Register an analytics source (a plate reader's or crowd detector's server) with one key."""
    if not SOURCE_CODE_PATTERN.fullmatch(source.code):
        raise InvalidInput([FieldError("code", N_("Does not match the expected format."), "pattern")])
    key = _new_key(source.code, at)
    with uow:
        repo = uow.repo(SourceRepository)
        if repo.find(source.code) is not None:
            raise Conflict(N_("The analytics source {code} exists already."), code=source.code)
        repo.add(source, at=at)
        repo.add_key(key, box)
        uow.audit(
            by,
            "cctv_source.create",
            object_type="cctv_source",
            object_id=source.code,
            at=at,
            detail={"key_id": key.key_id},
        )
        uow.commit()
    return Issued(source, key)


def rotate(
    uow: UnitOfWork, box: SecretBox, *, code: str, grace: timedelta, by: Actor, at: datetime
) -> Issued:
    """A new key; the old ones keep working for the grace period (zero: at once, for a leaked key)."""
    source, key = key_rotation.rotate(
        uow,
        box,
        SourceRepository,
        code=code,
        new_key=lambda: _new_key(code, at),
        action="cctv_source.rotate",
        object_type="cctv_source",
        grace=grace,
        by=by,
        at=at,
    )
    return Issued(source, key)


def set_enabled(uow: UnitOfWork, *, code: str, enabled: bool, by: Actor, at: datetime) -> AnalyticsSource:
    with uow:
        repo = uow.repo(SourceRepository)
        source = repo.find(code)
        if source is None:
            raise NotFound()
        repo.set_enabled(code, enabled)
        action = "cctv_source.enable" if enabled else "cctv_source.disable"
        uow.audit(by, action, object_type="cctv_source", object_id=code, at=at)
        uow.commit()
    return AnalyticsSource(source.code, source.name, enabled)


def all_sources(uow: UnitOfWork) -> list[tuple[AnalyticsSource, list[tuple[str, datetime | None]]]]:
    with uow:
        repo = uow.repo(SourceRepository)
        return [(s, repo.key_ids(s.code)) for s in repo.all()]


def _refused(uow: UnitOfWork, call: SignedCall, source: AnalyticsSource | None, reason: str) -> KuzetError:
    actor = source_actor(source, call.source) if source is not None else None
    signed_calls.audit_refusal(uow, call, actor=actor, action="cctv_source.refused", reason=reason)
    return Unauthenticated(BAD_SIGNATURE, headers={"WWW-Authenticate": signing.SCHEME})


def admit_step(
    uow: UnitOfWork, box: SecretBox, call: SignedCall, *, at: datetime
) -> AnalyticsSource | KuzetError:
    """Step: an enabled source signed this request with a valid key, fresh, with a nonce not seen before.
    A refusal is audited in the caller's transaction and returned."""
    repo = uow.repo(SourceRepository)

    def key_of(key_id: str) -> tuple[str, AnalyticsSource | None] | None:
        key = repo.key(key_id, box)
        if key is None or not key.valid_at(at):
            return None
        return key.secret, repo.find(key.source_code)

    verdict = signed_calls.verify(
        call,
        key_of=key_of,
        enabled=lambda source: source.enabled,
        use_nonce=lambda key_id, nonce: repo.use_nonce(key_id, nonce, at=at),
        at=at,
    )
    if isinstance(verdict, signed_calls.Refused):
        return _refused(uow, call, verdict.owner, verdict.reason)
    return verdict


def signed(
    uow: UnitOfWork,
    box: SecretBox,
    call: SignedCall,
    *,
    step: Callable[[AnalyticsSource], Callable[[UnitOfWork], Any] | Exception],
    at: datetime,
) -> Any:
    """A source's signed request in one transaction: admitted first (a refusal is audited and raised), then
    its work in a savepoint. What is wrong with the request itself is told only to a source whose signature
    holds, and the nonce stays spent whatever the answer."""
    return signed_calls.run_signed(uow, admit=lambda tx: admit_step(tx, box, call, at=at), step=step)


def camera_of(uow: UnitOfWork, camera_id: str) -> Camera | None:
    """A camera that can report (registered and not retired), without its addresses."""
    with uow:
        camera = uow.repo(CameraRepository).get(camera_id, None)
    return camera if camera is not None and camera.status is not CameraStatus.RETIRED else None


@dataclass(frozen=True)
class Intake:
    """What an event's appeal needs besides the event: settings and what was found before the transaction."""

    rules: AlertRules
    plate_category: str
    crowd_category: str
    region: Region
    located: str  # the district the camera stands in
    duplicate_radius_m: float
    duplicate_window: timedelta


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def _open_duplicate(uow: UnitOfWork, camera: Camera, code: str, at: datetime, intake: Intake) -> int | None:
    """The open incident of this category near the camera this event most likely is (the 102 rule)."""
    kind = incidents.category(uow, code, field="category_code")
    dlat, dlon = incident_rules.box_around(camera.lat, intake.duplicate_radius_m)
    since = at - intake.duplicate_window
    found = uow.repo(IncidentRepository).near(
        lat=camera.lat, lon=camera.lon, dlat=dlat, dlon=dlon, since=since
    )
    kinds = {c.code: c for c in uow.repo(CategoryRepository).all()}
    best = incident_rules.suggest(
        lat=camera.lat,
        lon=camera.lon,
        kind=kind,
        at=at,
        candidates=[(i, kinds[i.category_code]) for i in found],
        radius_m=intake.duplicate_radius_m,
        window=intake.duplicate_window,
    )
    same = [s for s in best if s.same_category]
    return same[0].incident.id if same else None


def _earlier_hit_incident(uow: UnitOfWork, entry: WatchEntry, at: datetime, window: timedelta) -> int | None:
    """The open incident an earlier hit of the same entry opened within the window: a vehicle seen again."""
    appeal_id = uow.repo(CameraEventRepository).open_hit(entry.id, since=at - window)
    if appeal_id is None:
        return None
    incident = incidents.current(uow, appeals.get_step(uow, appeal_id).incident_id)
    return incident.id if incident.is_open else None


def event_step(
    uow: UnitOfWork,
    *,
    source: AnalyticsSource,
    event: CameraEvent,
    camera: Camera,
    digest: str,
    intake: Intake,
    at: datetime,
    image_sha256: str | None = None,
) -> Answer:
    """Step: record the event once per (source, event id) — a retry gets the first answer — and raise an
    appeal when it is a watch-list hit or a crowd over the threshold."""
    events = uow.repo(CameraEventRepository)
    earlier = events.earlier(source.code, event.event_id)
    if earlier is not None:
        if earlier.body_digest != digest:
            raise InvalidInput([FieldError("id", EVENT_ID_REUSED, "idempotency_mismatch")])
        return Answer(200, {**earlier.response, "repeated": True})
    by = source_actor(source)
    entry = None
    if event.kind is EventKind.PLATE and event.plate is not None:
        entry = watchlist_service.match_step(uow, plate=event.plate, seen_at=event.seen_at, by=by, at=at)
        outcome = plate_outcome(event, entry, intake.rules)
    else:
        outcome = crowd_outcome(event, intake.rules)
    appeal = incident = None
    linked = False
    if outcome.raises_appeal:
        code = intake.plate_category if outcome is Outcome.WATCHLIST_HIT else intake.crowd_category
        data = AppealInput(
            text=appeal_text(event, outcome, entry),
            category_code=code,
            received_at=at,
            channel=Channel.CAMERA,
            lat=camera.lat,
            lon=camera.lon,
            district=intake.located,
            occurred_at=min(event.seen_at, at),
        )
        checked = appeals.check_input(data, intake.region, at)
        link_to = (
            _earlier_hit_incident(uow, entry, at, intake.duplicate_window) if entry is not None else None
        )
        if link_to is None:
            link_to = _open_duplicate(uow, camera, code, at, intake)
        done = appeals.register_step(uow, checked, link_to=link_to, by=by, at=at, located=intake.located)
        appeal, incident, linked = done.appeal, done.incident, not done.new_incident
    body: dict[str, Any] = {
        "id": event.event_id,
        "outcome": outcome.value,
        "appeal": {"id": appeal.id, "number": appeal.number} if appeal else None,
        "incident": {"id": incident.id, "number": incident.number} if incident else None,
        "linked_to_open_incident": linked,
        "image": image_sha256 is not None,
        "received_at": at.isoformat(),
        "repeated": False,
    }
    uow.audit(
        by,
        "cctv.event",
        object_type="camera",
        object_id=camera.camera_id,
        at=at,
        detail={
            "kind": event.kind.value,
            "outcome": outcome.value,
            "appeal_id": appeal.id if appeal else None,
        },
    )
    # Kept last: a concurrent post of the same event id fails here, is run again, and finds this answer.
    events.add(
        event,
        source_code=source.code,
        digest=digest,
        outcome=outcome,
        watch_entry_id=entry.id if entry else None,
        appeal_id=appeal.id if appeal else None,
        image_sha256=image_sha256,
        response=body,
        at=at,
    )
    return Answer(201, body)


def housekeeping(uow: UnitOfWork, *, at: datetime) -> None:
    """Forget nonces outside the clock window: a replay of those is refused by the window anyway."""
    with uow:
        uow.repo(SourceRepository).forget_nonces(
            before=at - timedelta(seconds=2 * signing.CLOCK_WINDOW_SECONDS)
        )
        uow.commit()
