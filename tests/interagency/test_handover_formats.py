"""Hand-overs go only to agencies that read them (EIDO or Kuzet's own profile): an agency registered to take
our public alerts alone (`cap`) is neither proposed by the category nor sent a hand-over, and a dispatcher
who asks for one is told why, naming the field; once it takes `eido` as well, it is proposed again."""

from __future__ import annotations

from sqlalchemy import func, select

from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.outbox import Relay, outbox
from kuzet.interagency import service as agencies
from kuzet.interagency.domain import MessageFormat
from kuzet.interagency.sender import AgencySender
from tests.interagency.handover_fixtures import register
from tests.interagency.test_handovers import handovers_of, stabbing, timeline
from tests.ops import Centre


def queued_for(services: Services, destination: str) -> int:
    with services.engine.connect() as connection:
        found = connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.destination == destination)
        ).scalar_one()
    return int(found)


def take(services: Services, code: str, *formats: MessageFormat) -> None:
    agencies.update(
        services.uow(),
        code=code,
        changes={"formats": frozenset(formats)},
        by=Actor.system("test"),
        at=services.clock.now(),
    )


def test_an_agency_taking_only_cap_is_neither_proposed_nor_sent_a_hand_over(
    centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103", fmt="cap")  # the category's agency, but it reads CAP alerts only
    incident_id = stabbing(centre)
    assert handovers_of(centre, incident_id) == {"handovers": [], "proposed_agencies": []}

    asked = centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"})
    assert asked.status_code == 422
    assert asked.headers["content-type"] == "application/problem+json"
    (error,) = asked.json()["errors"]
    assert (error["field"], error["code"]) == ("agency", "no_handover_format")
    assert "CAP" in error["reason"]
    # Nothing was done: no hand-over, no message, no timeline entry.
    assert handovers_of(centre, incident_id)["handovers"] == []
    assert queued_for(services, "agency:ambulance_103") == 0
    assert timeline(centre, incident_id) == []

    # Told in the operator's language.
    kazakh = centre.dispatcher.post(
        f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}, **{"Accept-Language": "kk"}
    )
    assert kazakh.status_code == 422 and "CAP" in kazakh.json()["errors"][0]["reason"]
    assert kazakh.json()["errors"][0]["reason"] != error["reason"]

    # Taking EIDO too, it is proposed and handed over as any other.
    take(services, "ambulance_103", MessageFormat.CAP, MessageFormat.EIDO)
    assert handovers_of(centre, incident_id)["proposed_agencies"] == ["ambulance_103"]
    sent = centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"})
    assert sent.status_code == 201, sent.text
    assert queued_for(services, "agency:ambulance_103") == 1


def test_a_hand_over_queued_before_the_agency_dropped_its_hand_over_formats_is_not_delivered(
    centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103")
    incident_id = stabbing(centre)
    sent = centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"})
    assert sent.status_code == 201, sent.text
    take(services, "ambulance_103", MessageFormat.CAP)
    relay = Relay(
        services.session_factory,
        services.clock,
        {"agency": AgencySender(services.session_factory, services.auth.box, services.clock, timeout=2)},
    )
    relay.run_once()
    with services.engine.connect() as connection:
        message = connection.execute(
            select(outbox.c.delivered_at, outbox.c.attempts, outbox.c.last_error).where(
                outbox.c.destination == "agency:ambulance_103"
            )
        ).one()
    assert message.delivered_at is None and message.attempts == 1
    assert "no hand-overs" in (message.last_error or "")
