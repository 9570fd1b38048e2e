"""Public alerts in the browser, on a 1366×768 screen: the supervisor sees the alerts in force (ours and an
imported one, marked), issues one over a district from the form, finds it in the list and on the map's layer
(its headline in the operator's language on a click; an imported alert's in any language it has), updates it
and cancels it with a reason, and it leaves the list and the map."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from playwright.sync_api import expect

from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.interagency.cap import (
    CapAlert,
    CapArea,
    CapCategory,
    CapCertainty,
    CapInfo,
    CapMsgType,
    CapPoint,
    CapPolygon,
    CapScope,
    CapSeverity,
    CapStatus,
    CapUrgency,
    cap_time,
)
from kuzet.interagency.cap_xml import to_cap_xml
from tests.console.browser import Console, Operator
from tests.console.districts import put_named_districts
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
FLOOD = "Flood warning for the northern valley"  # the imported alert has English only


def import_flood_warning(centre: Centre, services: Services) -> int:
    """Another agency's CAP alert, in English only, over a corner of the northern district."""
    now = services.clock.now()
    ring = [(42.60, 1.50), (42.64, 1.50), (42.64, 1.58), (42.60, 1.58), (42.60, 1.50)]
    alert = CapAlert(
        identifier="KZ-MChS-2026-0042",
        sender="mchs@emergency.gov.kz",
        sent=cap_time(now),
        status=CapStatus.ACTUAL,
        msg_type=CapMsgType.ALERT,
        scope=CapScope.PUBLIC,
        infos=(
            CapInfo(
                categories=(CapCategory.MET,),
                event="Flood",
                urgency=CapUrgency.EXPECTED,
                severity=CapSeverity.MODERATE,
                certainty=CapCertainty.LIKELY,
                language="en-US",
                expires=cap_time(now + timedelta(hours=12)),
                headline=FLOOD,
                areas=(CapArea("Northern valley", (CapPolygon(tuple(CapPoint(a, b) for a, b in ring)),)),),
            ),
        ),
    )
    response = centre.supervisor.http.post(
        "/api/v1/alerts/import",
        params={"source": "МЧС"},
        content=to_cap_xml(alert),
        headers={**centre.supervisor.headers, "Content-Type": "application/cap+xml"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def ids(*alert_ids: int) -> str:
    """The alert ids the map says it draws (data-alert-ids)."""
    return ",".join(str(i) for i in sorted(alert_ids))


def test_the_supervisor_issues_updates_and_cancels_an_alert_over_a_district(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services
) -> None:
    put_named_districts(centre)
    imported_id = import_flood_warning(centre, services)
    supervisor = operator("alerts-sup", Role.SUPERVISOR, None)
    console = open_console()
    page = console.page
    page.set_viewport_size({"width": 1366, "height": 768})
    console.open()
    console.login(supervisor.username, totp_secret=supervisor.totp_secret)
    page.click(console.by("nav-alerts"))

    rows = page.locator(console.by("alert-row"))
    imported = rows.and_(page.locator(f'[data-alert-id="{imported_id}"]'))
    expect(imported).to_have_attribute("data-origin", "imported")
    expect(imported.locator(console.by("alert-origin"))).to_have_text("Принято: МЧС")
    expect(imported.locator(console.by("alert-headline"))).to_have_text(FLOOD)  # no ru or kk: the one it has
    expect(imported.locator(console.by("alert-update"))).to_have_count(0)  # not ours to change

    # The form: CAP codes preset, ru and kk texts, a district from the list, the expiry six hours on.
    page.click(console.by("alert-new"))
    form = page.locator(console.by("alert-form"))
    expect(form.locator(console.by("alert-severity"))).to_have_value("Severe")
    page.fill(console.by("alert-event"), "Пропал ребёнок")
    page.select_option(console.by("alert-category"), "Rescue")
    page.fill(console.by("alert-headline-ru"), "Пропал мальчик, 7 лет")
    page.fill(console.by("alert-description-ru"), "Красная куртка, последний раз видели у парка.")
    page.fill(console.by("alert-instruction-ru"), "Если вы его видели, звоните 102.")
    page.fill(console.by("alert-headline-kk"), "7 жасар бала жоғалып кетті")
    district = form.locator(console.by("alert-district"))
    expect(district.locator('option[value="central"]')).to_have_text("Центральный район")
    district.select_option("central")
    page.click(console.by("alert-submit"))
    expect(form).to_have_count(0)

    ours = rows.and_(page.locator('[data-origin="ours"]'))
    expect(ours).to_have_count(1)
    expect(ours.locator(console.by("alert-headline"))).to_have_text("Пропал мальчик, 7 лет")
    expect(ours.locator(console.by("alert-where"))).to_contain_text("Центральный")
    ours_id = int(ours.get_attribute("data-alert-id") or 0)
    listed = centre.supervisor.ok(centre.supervisor.get("/api/v1/alerts", active="true"))
    issued = next(a for a in listed if a["id"] == ours_id)
    assert issued["area"]["district"] == "central" and issued["category"] == "Rescue"
    assert issued["texts"]["kk"]["headline"] == "7 жасар бала жоғалып кетті"
    # The expiry was typed in Almaty time to the minute: six hours on, less the seconds of this minute.
    ahead = datetime.fromisoformat(issued["expires"]) - services.clock.now()
    assert timedelta(hours=5, minutes=58) < ahead <= timedelta(hours=6), ahead

    # On the map: both areas; a click on ours tells its headline in the operator's language.
    the_map = page.locator(console.by("map"))
    expect(the_map).to_have_attribute("data-alert-ids", ids(imported_id, ours_id))
    ours.locator(console.by("alert-show")).click()
    popup = page.locator(console.by("alert-popup"))
    expect(popup).to_have_attribute("data-alert-id", str(ours_id))
    expect(popup.locator(console.by("alert-popup-headline"))).to_have_text("Пропал мальчик, 7 лет")
    console.switch_language("kk")
    box = the_map.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 40)  # inside the district
    expect(popup).to_have_attribute("data-alert-id", str(ours_id))
    expect(popup.locator(console.by("alert-popup-headline"))).to_have_text("7 жасар бала жоғалып кетті")
    console.switch_language("ru")
    imported.locator(console.by("alert-show")).click()
    expect(popup.locator(console.by("alert-popup-headline"))).to_have_text(FLOOD)

    # Its CAP document opens in a window of its own.
    with page.context.expect_page() as opened:
        ours.locator(console.by("alert-cap")).click()
    document = opened.value
    document.wait_for_load_state()
    expect(document.locator("body")).to_contain_text(issued["identifier"])
    expect(document.locator("body")).to_contain_text("7 жасар бала жоғалып кетті")
    document.close()

    # An update is a new message: the list shows the new headline in place of the old one.
    ours.locator(console.by("alert-update")).click()
    expect(form).to_have_attribute("data-mode", "update")
    expect(form.locator(console.by("alert-district"))).to_have_value("central")
    page.fill(console.by("alert-headline-ru"), "Пропал мальчик, 7 лет, красная куртка")
    page.click(console.by("alert-submit"))
    expect(ours.locator(console.by("alert-headline"))).to_have_text("Пропал мальчик, 7 лет, красная куртка")
    updated_id = int(ours.get_attribute("data-alert-id") or 0)
    assert updated_id != ours_id
    expect(the_map).to_have_attribute("data-alert-ids", ids(imported_id, updated_id))

    # Cancelled with a reason, it leaves the list and the map.
    ours.locator(console.by("alert-cancel")).click()
    page.fill(console.by("alert-cancel-reason"), "Ребёнок найден")
    page.click(console.by("alert-cancel-confirm"))
    expect(ours).to_have_count(0)
    expect(imported).to_have_count(1)
    expect(the_map).to_have_attribute("data-alert-ids", str(imported_id))
    active = centre.supervisor.ok(centre.supervisor.get("/api/v1/alerts", active="true"))
    assert [a["id"] for a in active] == [imported_id]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow


def test_an_area_drawn_on_the_map_is_issued_and_a_dispatcher_sees_it(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre
) -> None:
    supervisor = operator("alerts-sup2", Role.SUPERVISOR, None)
    console = open_console()
    page = console.page
    console.open()
    console.login(supervisor.username, totp_secret=supervisor.totp_secret)
    page.click(console.by("nav-alerts"))
    page.click(console.by("alert-new"))
    page.fill(console.by("alert-event"), "Утечка газа")
    page.fill(console.by("alert-headline-ru"), "Утечка газа, не подходите к дому")
    page.fill(console.by("alert-headline-kk"), "Газ жылыстауы, үйге жақындамаңыз")
    page.click(console.by("alert-area-polygon"))  # choosing to draw starts the drawing
    the_map = page.locator(console.by("map"))
    expect(the_map).to_have_attribute("data-alert-drawing", "on")
    box = the_map.bounding_box()
    assert box is not None
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (0, 90)):
        page.mouse.click(middle_x + dx, middle_y + dy)
    expect(page.locator(console.by("alert-draw-count"))).to_have_text("Точек: 4")
    page.click(console.by("alert-draw-undo"))
    expect(the_map).to_have_attribute("data-alert-draw-points", "3")
    page.click(console.by("alert-submit"))
    ours = page.locator(f'{console.by("alert-row")}[data-origin="ours"]')
    expect(ours).to_have_count(1)
    alert_id = int(ours.get_attribute("data-alert-id") or 0)
    expect(the_map).to_have_attribute("data-alert-drawing", "off")  # the map's clicks are the map's again
    issued = centre.supervisor.ok(centre.supervisor.get(f"/api/v1/alerts/{alert_id}"))
    ring = issued["area"]["polygons"][0]
    assert len(ring) == 4 and ring[0] == ring[-1] and issued["area"]["district"] is None

    # A dispatcher's map shows it too; the dispatcher has no Alerts page.
    dispatcher = operator("alerts-desk", Role.DISPATCHER)
    desk = open_console()
    desk.open()
    desk.login(dispatcher.username, totp_secret=dispatcher.totp_secret)
    expect(desk.page.locator(desk.by("map"))).to_have_attribute("data-alert-ids", str(alert_id))
    expect(desk.page.locator(desk.by("nav-alerts"))).to_have_count(0)
    expect(desk.page.locator(desk.by("map-layer-alerts"))).to_be_checked()


def test_an_alert_reaches_other_consoles_live_without_a_reload(
    open_console: OpenConsole, operator: MakeOperator, centre: Centre, services: Services
) -> None:
    """Another supervisor's Alerts page and a district dispatcher's map show an alert issued elsewhere
    within two seconds (the half-minute read is only the fallback), and drop it as soon as it is cancelled."""
    put_named_districts(centre)
    chief = operator("alerts-live-sup", Role.SUPERVISOR, None)
    dispatcher = operator("alerts-live-desk", Role.DISPATCHER)  # a desk of the central district only
    watching = open_console()
    watching.open()
    watching.login(chief.username, totp_secret=chief.totp_secret)
    watching.page.click(watching.by("nav-alerts"))
    desk = open_console()
    desk.open()
    desk.login(dispatcher.username, totp_secret=dispatcher.totp_secret)
    desk_map = desk.page.locator(desk.by("map"))
    watching_map = watching.page.locator(watching.by("map"))
    for the_map in (desk_map, watching_map):
        expect(the_map).to_have_attribute("data-alerts", "0")
    rows = watching.page.locator(watching.by("alert-row"))
    expect(rows).to_have_count(0)

    # Issued from another supervisor's desk (its console posts the same request).
    body = {
        "event": "Утечка газа",
        "category": "Safety",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "texts": {"ru": {"headline": "Утечка газа на Абая"}, "kk": {"headline": "Абай көшесінде газ"}},
        "area": {"district": "central"},
        "expires": (services.clock.now() + timedelta(hours=2)).isoformat(),
    }
    issued = centre.supervisor.ok(centre.supervisor.post("/api/v1/alerts", body), 201)
    expect(desk_map).to_have_attribute("data-alert-ids", str(issued["id"]), timeout=2_000)
    expect(watching_map).to_have_attribute("data-alert-ids", str(issued["id"]), timeout=2_000)
    expect(rows.locator(watching.by("alert-headline"))).to_have_text(["Утечка газа на Абая"], timeout=2_000)

    # Updated there: the new message replaces the old on both; cancelled: it leaves both.
    newer = centre.supervisor.ok(
        centre.supervisor.post(
            f"/api/v1/alerts/{issued['id']}/update", {"texts": {"ru": {"headline": "Утечка газа устранена"}}}
        ),
        201,
    )
    expect(desk_map).to_have_attribute("data-alert-ids", str(newer["id"]), timeout=2_000)
    expect(rows.locator(watching.by("alert-headline"))).to_have_text(["Утечка газа устранена"], timeout=2_000)
    centre.supervisor.ok(
        centre.supervisor.post(f"/api/v1/alerts/{newer['id']}/cancel", {"reason": "Авария устранена"}), 201
    )
    expect(desk_map).to_have_attribute("data-alerts", "0", timeout=2_000)
    expect(watching_map).to_have_attribute("data-alerts", "0", timeout=2_000)
    expect(rows).to_have_count(0, timeout=2_000)
