"""A readable map (issue 16, point 9): street names from our own road graph at close zoom only, overlays a
desk switches off and finds off again after a reload, a translated legend, following a unit, clusters at
region zoom, and a map window for a second monitor that shares the session and follows the live feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from kuzet.core.auth.domain import Role
from kuzet.geo.runtime import Roads
from tests.console.browser import OUTPUT, Console, Operator
from tests.ops import Centre

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
# On Avinguda Meritxell in Andorra la Vella (the gazetteer's point of that street).
MERITXELL = (42.50835, 1.52692)
STREET = "Avinguda Meritxell"


def report(centre: Centre, call_sign: str, lat: float, lon: float, ago_s: float = 0) -> None:
    """A unit's GPS fix, taken `ago_s` seconds ago (so that a test's moves are at a car's speed)."""
    at = datetime.now(UTC) - timedelta(seconds=ago_s)
    fix = {"call_sign": call_sign, "at": at.isoformat(), "lat": lat, "lon": lon}
    centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))


def map_data(page: Page, name: str) -> str:
    return str(page.evaluate("n => document.querySelector('[data-testid=map]').dataset[n] ?? ''", name))


def zoom_to(console: Console, wanted: float) -> None:
    """Press the map's zoom buttons until the map is at `wanted`."""
    page = console.page
    for _ in range(20):
        zoom = float(map_data(page, "zoom") or 0)
        if zoom == wanted:
            return
        page.click(".leaflet-control-zoom-in" if zoom < wanted else ".leaflet-control-zoom-out")
        page.wait_for_function(
            "z => Number(document.querySelector('[data-testid=map]').dataset.zoom) !== z", arg=zoom
        )
    raise AssertionError(f"the map did not reach zoom {wanted}")


def centre_of(page: Page) -> tuple[float, float]:
    lat, lon = map_data(page, "centre").split(",")
    return float(lat), float(lon)


def near(a: tuple[float, float], b: tuple[float, float], within: float = 0.0002) -> bool:
    return abs(a[0] - b[0]) < within and abs(a[1] - b[1]) < within


def test_street_names_show_at_close_zoom_only_and_follow_a_unit(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
    andorra_gazetteer: None,
) -> None:
    unit = centre.supervisor.unit("Беркут-31")
    report(centre, "Беркут-31", *MERITXELL, ago_s=90)
    console = open_console()
    console.open()
    console.login(operator("map-desk", Role.DISPATCHER).username)
    page = console.page
    the_map = page.locator(console.by("map"))
    expect(the_map).to_have_attribute("data-units", "1")
    # Region zoom: the roads, no names.
    zoom_to(console, 12)
    expect(the_map).to_have_attribute("data-street-labels", "0")
    # Follow the unit: its marker is clicked at the centre of the map, the control offers to follow it.
    zoom_to(console, 15)
    box = the_map.bounding_box()
    assert box is not None
    follow_box = page.locator(console.by("map-follow-box"))
    # Following from the unit's marker: it is where the map was fitted to (the only marker).
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(follow_box).to_be_visible()
    page.locator(console.by("map-follow")).click()
    expect(the_map).to_have_attribute("data-follow", str(unit["id"]))
    expect(page.locator(console.by("map-follow-label"))).to_contain_text("Беркут-31")
    zoom_to(console, 17)
    page.wait_for_function(
        "name => (document.querySelector('[data-testid=map]').dataset.streetLabelNames ?? '')"
        ".split('|').includes(name)",
        arg=STREET,
    )
    names = map_data(page, "streetLabelNames").split("|")
    assert len(names) == int(map_data(page, "streetLabels")) >= 2
    assert names.count(STREET) <= 2  # once per visible stretch, not along every block
    # The unit drives on: the map keeps it in the middle.
    moved = (MERITXELL[0] + 0.0008, MERITXELL[1] + 0.0008)
    report(centre, "Беркут-31", *moved, ago_s=45)
    page.wait_for_function(
        "([lat, lon]) => { const [a, b] = document.querySelector('[data-testid=map]').dataset.centre"
        ".split(',').map(Number); return Math.abs(a - lat) < 2e-4 && Math.abs(b - lon) < 2e-4; }",
        arg=list(moved),
    )
    assert float(map_data(page, "zoom")) == 17
    # Stop: the map stays where it is when the unit moves again.
    page.locator(console.by("map-follow-stop")).click()
    expect(the_map).to_have_attribute("data-follow", "")
    report(centre, "Беркут-31", MERITXELL[0] + 0.0016, MERITXELL[1] + 0.0016)
    page.wait_for_function("() => document.querySelector('[data-testid=map]').dataset.unitMoves >= 2")
    assert near(centre_of(page), moved)


def test_layers_hide_and_show_and_are_remembered_and_the_legend_is_translated(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
    andorra_gazetteer: None,
) -> None:
    centre.supervisor.unit("Беркут-32")
    report(centre, "Беркут-32", *MERITXELL)
    console = open_console()
    console.open()
    console.login(operator("map-layers", Role.DISPATCHER).username)
    page = console.page
    the_map = page.locator(console.by("map"))
    zoom_to(console, 16)
    labels = page.locator(".unit-label").filter(has_text="Беркут-32")
    expect(labels).to_be_visible()
    assert int(map_data(page, "streetLabels")) > 0
    # Units off: the marker and its call-sign label leave the map; street names off: none is drawn.
    page.locator(console.by("map-layer-units")).uncheck()
    expect(labels).to_have_count(0)
    expect(the_map).to_have_attribute("data-layer-units", "hidden")
    page.locator(console.by("map-layer-streets")).uncheck()
    expect(the_map).to_have_attribute("data-street-labels", "0")
    # This browser remembers: after a reload both are still off.
    page.reload()
    page.wait_for_selector(console.by("live-status") + '[data-state="connected"]')
    expect(page.locator(console.by("map-layer-units"))).not_to_be_checked()
    expect(page.locator(console.by("map-layer-districts"))).to_be_checked()
    zoom_to(console, 16)
    expect(the_map).to_have_attribute("data-street-labels", "0")
    expect(page.locator(".unit-label")).to_have_count(0)
    page.locator(console.by("map-layer-units")).check()
    expect(page.locator(".unit-label").filter(has_text="Беркут-32")).to_be_visible()
    page.locator(console.by("map-layer-streets")).check()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=map]').dataset.streetLabels) > 0"
    )
    # The legend: a shape per priority and per kind of unit, in the console's language.
    legend = page.locator(console.by("map-legend"))
    for testid in ("legend-priority-1", "legend-priority-4", "legend-unit-car", "legend-unit-foot"):
        expect(legend.locator(console.by(testid))).to_be_visible()
    expect(legend.locator(console.by("legend-unit-foot"))).to_have_text("Пеший")
    expect(legend.locator(console.by("legend-status-available"))).to_have_text("Свободен")
    page.locator('[data-testid="lang-kk"]').click()
    expect(legend.locator(console.by("legend-unit-foot"))).to_have_text("Жаяу")
    expect(page.locator(console.by("map-layers"))).to_contain_text("Көше атаулары")


def test_incidents_and_units_cluster_at_region_zoom(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
) -> None:
    for n, call_sign in enumerate(("Беркут-41", "Беркут-42", "Беркут-43")):
        centre.supervisor.unit(call_sign)
        report(centre, call_sign, MERITXELL[0] + n * 0.0005, MERITXELL[1])
    for n in range(2):
        at = (MERITXELL[0] - 0.001 * n, MERITXELL[1] + 0.001)
        centre.call_taker.call(at=at, caller_phone=f"+7701555010{n}")
    console = open_console()
    console.open()
    console.login(operator("map-cluster", Role.DISPATCHER).username)
    page = console.page
    the_map = page.locator(console.by("map"))
    zoom_to(console, 11)
    units = page.locator('[data-testid="map-cluster"][data-kind="units"]')
    incidents = page.locator('[data-testid="map-cluster"][data-kind="incidents"]')
    expect(units).to_have_attribute("data-count", "3")
    expect(incidents).to_have_attribute("data-count", "2")
    expect(incidents).to_have_attribute("data-level", "p1")  # a fight is priority 1
    # A click on a cluster zooms in to its members, where each stands alone.
    units.click()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=map]').dataset.zoom) >= 13")
    expect(page.locator('[data-testid="map-cluster"]')).to_have_count(0)
    expect(the_map).to_have_attribute("data-clusters", "0")


def test_the_map_window_opens_without_a_new_login_and_shows_live_units(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    andorra_roads: Roads,
) -> None:
    centre.supervisor.unit("Беркут-51")
    report(centre, "Беркут-51", *MERITXELL)
    console = open_console()
    console.open()
    console.login(operator("map-window", Role.DISPATCHER).username)
    page = console.page
    with console.context.expect_page() as opened:
        page.locator(console.by("map-window")).click()
    window = opened.value
    window.wait_for_selector(console.by("live-status") + '[data-state="connected"]', timeout=10_000)
    assert window.locator(console.by("login-username")).count() == 0
    assert "token" not in window.url and window.url.endswith("?view=map")
    window_map = window.locator(console.by("map"))
    expect(window_map).to_have_attribute("data-units", "1")
    expect(window.locator(console.by("map-legend"))).to_be_visible()
    assert window.locator(console.by("nav-queue")).count() == 0  # the map alone
    # The token is in the window's own session storage, not in localStorage.
    assert window.evaluate("() => Boolean(sessionStorage.getItem('kuzet.token'))")
    assert not window.evaluate("() => Object.keys(localStorage).some((k) => k.includes('token'))")
    # Live: a new unit's fix and a new incident reach the map window without a reload.
    centre.supervisor.unit("Беркут-52")
    report(centre, "Беркут-52", MERITXELL[0] + 0.002, MERITXELL[1])
    expect(window_map).to_have_attribute("data-units", "2")
    centre.call_taker.call(at=MERITXELL)
    expect(window_map).to_have_attribute("data-incidents", "1")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    window.screenshot(path=str(OUTPUT / "map-window.png"))
