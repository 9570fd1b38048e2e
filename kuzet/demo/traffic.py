"""The traffic generator: citizens' appeals through 102 and the partner apps, over HTTP to a running server.

Appeals arrive at the hourly profile's rate on demo time. Each comes from a place of the demo map; a 102
call is taken by the call-taker of the district the place lies in, and a partner appeal is signed with that
partner's simulation key. About one appeal in ten is another call about an event of the last minutes, from
nearly the same place: half of those the call-taker joins to the open incident, the other half are left as
new incidents, so that the console shows them as possible duplicates.

Given the dispatchers' desks, the generator also hands some new incidents over to another agency as an
operator would: an incident whose category proposes an agency (a knife wound → the ambulance 103) is handed
to it with a probability, by the dispatcher of its district.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np

from kuzet.core.clock import to_local
from kuzet.demo import callers
from kuzet.demo.callers import Weighted
from kuzet.demo.desk import Desk, Refused
from kuzet.demo.places import Place, Places
from kuzet.demo.profile import MEAN_PER_HOUR, arrivals
from kuzet.partners.client import PartnerClient

log = logging.getLogger(__name__)

REPEAT_SHARE: Final = 0.10
REPEAT_WITHIN: Final = timedelta(minutes=15)
REPEAT_SPREAD_M: Final = 50.0
HANDOVER_SHARE: Final = 0.5  # of the new incidents whose category proposes an agency


@dataclass(frozen=True)
class Kind:
    """What the generator needs of a category."""

    code: str
    group: str


@dataclass
class Event:
    """Something that happened, as the first caller reported it (later callers may report it again)."""

    place: Place
    kind: Kind
    at: datetime
    incident_id: int | None  # known for 102 calls (the registration answers it)


class AppealMaker:
    """Draws what an appeal says. Pure apart from the random generator it is given."""

    def __init__(self, rng: np.random.Generator, kinds: Mapping[str, Kind]) -> None:
        self.rng = rng
        self.kinds = {code: kinds[code] for code in callers.CATEGORY_WEIGHTS if code in kinds}
        if not self.kinds:
            raise ValueError("no category of the appeal mix is in the catalogue")
        self._mix = Weighted({code: callers.CATEGORY_WEIGHTS[code] for code in self.kinds})

    def kind(self) -> Kind:
        return self.kinds[self._mix.draw(self.rng)]

    def text(self, kind: Kind, *, repeat: bool) -> str:
        if repeat:
            return callers.pick(self.rng, callers.REPEAT_TEXTS)
        return callers.appeal_text(self.rng, kind.code, kind.group)

    def call_102(self, place: Place, kind: Kind, text: str, link_to: int | None = None) -> dict[str, Any]:
        """The body of POST /api/v1/appeals, as a call-taker types it."""
        body: dict[str, Any] = {
            "caller_phone": callers.mobile_phone(self.rng),
            "text": text,
            "category_code": kind.code,
            "lat": place.lat,
            "lon": place.lon,
            "address": place.address,
            "district": place.district,
        }
        if self.rng.random() < 0.8:
            body["caller_name"] = callers.person_name(self.rng)
        if link_to is not None:
            body["incident_id"] = link_to
        return body

    def partner_appeal(
        self, place: Place, kind: Kind, text: str, *, verified: bool, at: datetime
    ) -> dict[str, Any]:
        """The body a partner app sends: the citizen as the app knows them, and the phone's location."""
        citizen: dict[str, Any] = {
            "phone": callers.mobile_phone(self.rng),
            "name": callers.person_name(self.rng),
        }
        if verified:
            citizen["iin"] = callers.iin(self.rng, today=to_local(at).date())
        accuracy = round(float(self.rng.uniform(5, 60)), 1)
        location = {"lat": place.lat, "lon": place.lon, "accuracy_m": accuracy, "address": place.address}
        return {"citizen": citizen, "text": text, "category": kind.code, "location": location}


class Traffic:
    """Sends the appeals due in each step of demo time."""

    def __init__(
        self,
        *,
        call_takers: Mapping[str, Desk],
        partners: Mapping[str, PartnerClient],
        places: Places,
        kinds: Mapping[str, Kind],
        rng: np.random.Generator,
        mean_per_hour: float = MEAN_PER_HOUR,
        dispatchers: Mapping[str, Desk] | None = None,
        handover_share: float = HANDOVER_SHARE,
    ) -> None:
        self.call_takers = dict(call_takers)
        self.dispatchers = dict(dispatchers or {})  # by district; none: no hand-overs
        self.handover_share = handover_share
        self.partners = dict(partners)  # by partner code
        self.places = places
        self.maker = AppealMaker(rng, kinds)
        self.rng = rng
        self.mean_per_hour = mean_per_hour
        self.recent: deque[Event] = deque(maxlen=50)
        self.sent: Counter[str] = Counter()  # by channel, and "refused"
        known = {code: w for code, w in callers.PARTNER_WEIGHTS.items() if code in self.partners}
        self._partner_mix = Weighted(known) if known else None

    def step(self, now: datetime, seconds: float) -> int:
        """Send the appeals arriving in the `seconds` of demo time before `now`; returns how many."""
        due = arrivals(self.rng, now, seconds, self.mean_per_hour)
        for _ in range(due):
            self.send_one(now)
        return due

    def send_one(self, now: datetime) -> None:
        while self.recent and now - self.recent[0].at > REPEAT_WITHIN:
            self.recent.popleft()
        earlier = None
        if self.recent and self.rng.random() < REPEAT_SHARE:
            earlier = self.recent[int(self.rng.random() * len(self.recent))]
        if earlier is not None:
            place, kind = Places.near(self.rng, earlier.place, REPEAT_SPREAD_M), earlier.kind
        else:
            place, kind = self.places.pick(self.rng), self.maker.kind()
        text = self.maker.text(kind, repeat=earlier is not None)
        by_partner = self._partner_mix is not None and (
            self.rng.random() < callers.PARTNER_SHARE or place.district not in self.call_takers
        )
        try:
            if by_partner:
                self._by_partner(place, kind, text, now)
            else:
                self._by_phone(place, kind, text, now, earlier)
        except Refused as refused:
            self.sent["refused"] += 1
            log.info("demo appeal refused", extra={"reason": str(refused)})

    def _by_phone(self, place: Place, kind: Kind, text: str, now: datetime, earlier: Event | None) -> None:
        desk = self.call_takers.get(place.district)
        if desk is None:
            return
        link = earlier.incident_id if earlier is not None and self.rng.random() < 0.5 else None
        try:
            done = desk.post("/api/v1/appeals", self.maker.call_102(place, kind, text, link))
        except Refused as refused:
            if link is None or refused.status not in (409, 422):
                raise
            # The incident closed meanwhile: the caller reports it as a new one.
            done = desk.post("/api/v1/appeals", self.maker.call_102(place, kind, text))
        self.sent["phone_102"] += 1
        if earlier is None:
            incident_id = int(done["incident"]["id"])
            self.recent.append(Event(place, kind, now, incident_id))
            self._maybe_hand_over(place.district, incident_id)

    def _maybe_hand_over(self, district: str, incident_id: int) -> None:
        """Hand the incident over to the first agency its category proposes, now and then."""
        desk = self.dispatchers.get(district)
        if desk is None or self.rng.random() >= self.handover_share:
            return
        try:
            listed = desk.get(f"/api/v1/incidents/{incident_id}/handovers")
            proposed = list(listed.get("proposed_agencies") or [])
            if proposed:
                desk.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": proposed[0]})
                self.sent["handover"] += 1
        except Refused as refused:  # the appeal itself went through: only the hand-over is refused
            self.sent["handover_refused"] += 1
            log.info("demo hand-over refused", extra={"reason": str(refused)})

    def _by_partner(self, place: Place, kind: Kind, text: str, now: datetime) -> None:
        if self._partner_mix is None:
            return
        code = str(self._partner_mix.draw(self.rng))
        verified = code != "police102"  # the banks and eGov know the citizen's IIN; Police-102 may not
        body = self.maker.partner_appeal(place, kind, text, verified=verified, at=now)
        response = self.partners[code].send_appeal(body, idempotency_key=str(uuid.uuid4()))
        if response.status_code >= 400:
            raise Refused(response.status_code, "POST", "/partner/v1/appeals", response.text[:300])
        self.sent["partner_app"] += 1
        self.recent.append(Event(place, kind, now, None))
