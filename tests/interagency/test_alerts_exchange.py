"""Public alerts leave and enter the centre: the public Atom feed lists our alerts in force (each entry
with its valid CAP alert and a public link to it); other agencies' CAP documents are imported over the API
or the CLI, invalid ones refused with the XML path of each issue and hostile ones without a file being
read; an alert issued, updated and cancelled reaches an agency taking CAP, signed, over loopback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import tostring

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from kuzet.container import Services
from kuzet.core import outbox
from kuzet.core.auth.domain import Role
from kuzet.core.outbox import Relay
from kuzet.interagency import alert_service
from kuzet.interagency.alert_sender import CapSender
from kuzet.interagency.cap_feed import ATOM_NAMESPACE
from kuzet.interagency.cap_read import parse_cap
from kuzet.interagency.sender import AgencySender
from tests.conftest import LiveServer, MakeUser, run_cli
from tests.core.auth.helpers import logged_in
from tests.interagency.handover_fixtures import Sim, register, wait_for
from tests.interagency.registry import AMBULANCE
from tests.interagency.test_alerts_api import issue, missing_child
from tests.reference import cap_file

ATOM = f"{{{ATOM_NAMESPACE}}}"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
CAP_TYPE = {"Content-Type": "application/cap+xml"}


@pytest.fixture
def supervisor(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    return logged_in(http, services, make_user, "chief", Role.SUPERVISOR, None)[1]


def imported(http: httpx.Client, headers: dict[str, str], name: str) -> httpx.Response:
    data = cap_file(f"examples/{name}").read_bytes()
    return http.post("/api/v1/alerts/import", content=data, headers={**headers, **CAP_TYPE})


# The feed


def test_the_public_feed_lists_our_alerts_in_force_and_cancellations_each_with_its_valid_cap(
    server: LiveServer, http: httpx.Client, services: Services, supervisor: dict[str, str]
) -> None:
    kept = issue(http, supervisor, missing_child(services))
    cancelled = issue(http, supervisor, missing_child(services, event="Опасный участок"))
    cancel = http.post(
        f"/api/v1/alerts/{cancelled['id']}/cancel", json={"reason": "Опасность устранена"}, headers=supervisor
    ).json()
    replaced = issue(http, supervisor, missing_child(services, event="Дорога закрыта"))
    newer = http.post(
        f"/api/v1/alerts/{replaced['id']}/update",
        json={"texts": {"ru": {"headline": "Дорога закрыта до вечера"}}},
        headers=supervisor,
    ).json()
    assert imported(http, supervisor, "oasis-A1-hsas-43b080713727.cap12.xml").status_code == 201

    anonymous = httpx.get(f"{server.url}/feeds/alerts.atom", timeout=10)  # no token: a public hub reads it
    assert anonymous.status_code == 200
    assert anonymous.headers["content-type"].startswith("application/atom+xml")
    feed = fromstring(anonymous.content)
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}updated")
    entries = feed.findall(f"{ATOM}entry")
    embedded = [parse_cap(_alert_bytes(entry)) for entry in entries]  # each valid against the XSD
    # The update replaced its original's entry; the cancellation is an entry of its own, the cancelled
    # alert's gone; the imported alert is not ours to publish.
    assert sorted(a.identifier for a in embedded) == sorted(
        [kept["identifier"], newer["identifier"], cancel["identifier"]]
    )
    by_identifier = dict(zip((a.identifier for a in embedded), entries, strict=True))
    assert _msg_types(by_identifier) == {
        kept["identifier"]: "Alert",
        newer["identifier"]: "Update",
        cancel["identifier"]: "Cancel",
    }
    for follower, original in ((cancel, cancelled), (newer, replaced)):
        entry = by_identifier[follower["identifier"]]
        alert = next(a for a in embedded if a.identifier == follower["identifier"])
        assert [r.identifier for r in alert.references] == [original["identifier"]]
        related = [
            link.get("href", "") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "related"
        ]
        assert [href.rsplit("/", 1)[-1] for href in related] == [f"{original['identifier']}.xml"]
        earlier = httpx.get(related[0], timeout=10)  # the original's document stays public
        assert earlier.status_code == 200 and parse_cap(earlier.content).identifier == original["identifier"]
    cancel_entry = by_identifier[cancel["identifier"]]
    assert cancel_entry.findtext(f"{ATOM}summary") == "Опасность устранена"
    assert feed.findtext(f"{ATOM}updated") == max(a.sent for a in embedded).isoformat(timespec="seconds")
    for entry, alert in zip(entries, embedded, strict=True):
        for name in ("id", "title", "updated"):  # what RFC 4287 requires of an entry
            assert entry.findtext(f"{ATOM}{name}"), name
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("type") == "application/cap+xml"
        public = httpx.get(link.get("href", ""), timeout=10)
        assert public.status_code == 200 and public.headers["content-type"].startswith("application/cap+xml")
        assert parse_cap(public.content) == alert
    assert httpx.get(f"{server.url}/feeds/alerts/nothing-here.xml", timeout=10).status_code == 404


def _msg_types(entries: dict[str, Any]) -> dict[str, str]:
    """Each entry's message type, as its Atom category tells it."""
    found = {}
    for identifier, entry in entries.items():
        category = entry.find(f"{ATOM}category")
        assert category is not None and category.get("scheme", "").endswith(":msgType")
        found[identifier] = category.get("term", "")
    return found


def test_a_cancellation_stays_in_the_feed_until_the_cancelled_alert_would_have_expired(
    server: LiveServer, http: httpx.Client, services: Services, supervisor: dict[str, str]
) -> None:
    expires = services.clock.now() + timedelta(hours=1)
    issued = issue(http, supervisor, missing_child(services, expires=expires.isoformat()))
    cancel = http.post(
        f"/api/v1/alerts/{issued['id']}/cancel", json={"reason": "Ребёнок найден"}, headers=supervisor
    ).json()
    until = datetime.fromisoformat(issued["expires"])
    just_before = alert_service.feed_alerts(services.uow(), at=until - timedelta(seconds=1))
    assert [(a.identifier, a.msg_type.value) for a in just_before] == [(cancel["identifier"], "Cancel")]
    assert just_before[0].infos[0].expires == until  # the cancellation repeats the alert's expiry
    assert alert_service.feed_alerts(services.uow(), at=until) == []


def _alert_bytes(entry: Any) -> bytes:
    content = entry.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "application/cap+xml"
    alert = content.find(f"{CAP}alert")
    assert alert is not None
    return bytes(tostring(alert, encoding="utf-8"))


# Import


def test_a_valid_cap_alert_of_another_agency_is_imported_for_the_map(
    server: LiveServer, http: httpx.Client, services: Services, supervisor: dict[str, str]
) -> None:
    response = imported(http, supervisor, "oasis-A2-thunderstorm-KSTO1055887203.cap12.xml")
    assert response.status_code == 201, response.text
    alert = response.json()
    assert (alert["origin"], alert["sender"], alert["msg_type"]) == ("imported", "KSTO@NWS.NOAA.GOV", "Alert")
    assert alert["source"] == "upload:chief" and alert["category"] == "Met"
    assert alert["texts"]["en-US"]["headline"]
    assert alert["area"]["polygons"] and alert["area"]["polygons"][0][0] == [38.47, -120.14]
    stored = http.get(f"/api/v1/alerts/{alert['id']}/cap.xml", headers=supervisor)
    assert stored.content == cap_file("examples/oasis-A2-thunderstorm-KSTO1055887203.cap12.xml").read_bytes()
    listed = http.get("/api/v1/alerts", params={"origin": "imported"}, headers=supervisor).json()
    assert [a["id"] for a in listed] == [alert["id"]]

    again = imported(http, supervisor, "oasis-A2-thunderstorm-KSTO1055887203.cap12.xml")
    assert again.status_code == 409


def test_an_invalid_cap_document_is_refused_with_the_path_of_each_issue(
    server: LiveServer, http: httpx.Client, services: Services, supervisor: dict[str, str]
) -> None:
    response = imported(http, supervisor, "google-invalid.cap")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] and all(e["field"].startswith("/alert") for e in problem["errors"])
    assert "/alert" in [issue["path"] for issue in problem["issues"]]
    assert any("scope" in issue["message"] for issue in problem["issues"])
    assert http.get("/api/v1/alerts", headers=supervisor).json() == []

    other = http.post(
        "/api/v1/alerts/import", content=b"{}", headers={**supervisor, "Content-Type": "application/json"}
    )
    assert other.status_code == 415 and other.headers["content-type"] == "application/problem+json"
    huge = b"<alert>" + b" " * (1024 * 1024 + 1) + b"</alert>"
    assert (
        http.post("/api/v1/alerts/import", content=huge, headers={**supervisor, **CAP_TYPE}).status_code
        == 413
    )


_opened: list[list[str]] = []


def _watch(event: str, args: tuple[Any, ...]) -> None:
    if _opened and event in ("open", "socket.connect") and args:
        _opened[-1].append(
            f"{event} {args[0]} {args[1] if event == 'socket.connect' and len(args) > 1 else ''}"
        )


@pytest.fixture
def watched() -> Iterator[list[str]]:
    """Files opened and connections tried by the whole process (the server included) while the test runs."""
    if not getattr(sys, "_kuzet_alert_hook", False):
        sys.addaudithook(_watch)  # hooks cannot be removed; it records only while a test asks
        sys._kuzet_alert_hook = True  # type: ignore[attr-defined]
    seen: list[str] = []
    _opened.append(seen)
    yield seen
    _opened.pop()


def test_the_xxe_sample_and_a_local_file_entity_are_refused_without_reading_anything(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    supervisor: dict[str, str],
    tmp_path: Path,
    watched: list[str],
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY stolen SYSTEM "{secret.as_uri()}">]>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&stolen;</identifier></alert>'
    )
    xee_document = cap_file("examples/google-xee.cap").read_bytes()
    watched.clear()  # from here on: what the server does

    xee = http.post("/api/v1/alerts/import", content=xee_document, headers={**supervisor, **CAP_TYPE})
    assert xee.status_code == 422 and "DTD" in xee.text
    refused = http.post("/api/v1/alerts/import", content=hostile.encode(), headers={**supervisor, **CAP_TYPE})
    assert refused.status_code == 422 and "TOP-SECRET" not in refused.text
    touched = [line for line in watched if "passwd" in line or str(secret) in line or " 8080" in line]
    assert touched == []
    assert http.get("/api/v1/alerts", headers=supervisor).json() == []


def test_an_imported_cancellation_cancels_the_imported_alert_it_refers_to(
    server: LiveServer, http: httpx.Client, services: Services, supervisor: dict[str, str]
) -> None:
    first = imported(http, supervisor, "oasis-A1-hsas-43b080713727.cap12.xml").json()
    cap = parse_cap(cap_file("examples/oasis-A1-hsas-43b080713727.cap12.xml").read_bytes())
    sent = cap.sent.isoformat(timespec="seconds")
    cancel = (
        '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{cap.identifier}-cancel</identifier><sender>{cap.sender}</sender>"
        f"<sent>{sent}</sent><status>Actual</status><msgType>Cancel</msgType><scope>Public</scope>"
        f"<references>{cap.sender},{cap.identifier},{sent}</references></alert>"
    )
    response = http.post("/api/v1/alerts/import", content=cancel.encode(), headers={**supervisor, **CAP_TYPE})
    assert response.status_code == 201, response.text
    earlier = http.get(f"/api/v1/alerts/{first['id']}", headers=supervisor).json()
    assert earlier["cancelled"] is True and earlier["superseded_by"] == response.json()["id"]
    assert http.get("/api/v1/alerts", params={"active": "true"}, headers=supervisor).json() == []


def test_the_cli_imports_files_with_a_line_per_file(services: Services) -> None:
    good = cap_file("examples/oasis-A4-amber-KAR0-0306112239-SW.cap12.xml")
    bad = cap_file("examples/google-invalid.cap")
    xee = cap_file("examples/google-xee.cap")
    done = run_cli(services, "alert", "import", str(good), str(bad), str(xee), "--source", "neighbour")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{good}: imported Alert") and "KAR0-0306112239-SW" in lines[0]
    assert lines[1] == f"{bad}: refused: not a valid CAP alert" and lines[2].startswith("  /alert")
    assert any(line.startswith(f"{xee}: refused") for line in lines)
    assert lines[-1] == "1 imported, 2 refused"


# Sending


@pytest.fixture
def cap_relay(services: Services) -> Iterator[Relay]:
    running = Relay(
        services.session_factory,
        services.clock,
        {
            "agency": AgencySender(services.session_factory, services.auth.box, services.clock),
            "cap": CapSender(services.session_factory, services.auth.box, services.clock),
        },
        lease=timedelta(seconds=2),
        backoff_base=0.05,
    )
    thread = running.start(interval=0.05)
    yield running
    running.stop()
    thread.join(timeout=15)


def test_each_message_reaches_an_agency_taking_cap_signed_and_valid(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    supervisor: dict[str, str],
    cap_relay: Relay,
    make_sim: Callable[..., Sim],
) -> None:
    hub = register(services, "alert_hub", fmt="cap")
    register(services, "fire_101", fmt="eido")  # takes no CAP: nothing is queued for it
    sim = make_sim(hub)
    alert = issue(http, supervisor, missing_child(services))
    update = http.post(
        f"/api/v1/alerts/{alert['id']}/update", json={"severity": "Extreme"}, headers=supervisor
    ).json()
    cancel = http.post(f"/api/v1/alerts/{update['id']}/cancel", json={"reason": "Найден"}, headers=supervisor)
    assert cancel.status_code == 201

    def arrived() -> list[dict[str, Any]]:
        got = [
            m
            for m in httpx.get(f"{sim.url}/control/messages", timeout=5).json()["messages"]
            if m["kind"] == "cap-alert"
        ]
        return got if len(got) == 3 else []

    messages = wait_for(arrived)
    alerts = [parse_cap(m["document"].encode()) for m in messages]
    assert [a.msg_type.value for a in alerts] == ["Alert", "Update", "Cancel"]
    assert [a.identifier for a in alerts] == [
        alert["identifier"],
        update["identifier"],
        cancel.json()["identifier"],
    ]
    with services.session_factory() as session:
        queued = outbox.messages(session)
    assert {m.destination for m in queued} == {"cap:alert_hub"}
    assert all(m.kind == "cap.alert" for m in queued)


def test_an_administrator_registers_an_agency_that_takes_cap(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)[1]
    body = {**AMBULANCE, "formats": ["eido", "kuzet", "cap"]}
    created = http.post("/api/v1/agencies", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert sorted(created.json()["agency"]["formats"]) == ["cap", "eido", "kuzet"]
    changed = http.patch("/api/v1/agencies/ambulance_103", json={"formats": ["cap"]}, headers=admin)
    assert changed.status_code == 200 and changed.json()["formats"] == ["cap"]
