"""The Planning page in a real browser, over the demo's world and past year: a supervisor sees today's posts,
simulates them and reads each figure with its 95 % interval beside the slow-response map; a post of the
Manual copy moved on the map, and a proposal loaded from a plan file, are simulated too."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from kuzet.core.auth.domain import Role
from tests.cctv.placement_fixtures import demo_year  # noqa: F401 (a fixture)
from tests.console.browser import Console, Operator

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]
INTERVAL = re.compile(
    r"^[^()]+ \([^()]+–[^()]+\)$"
)  # "mean (low–high)", e.g. "04:12 (03:58–04:30)" or "71,2 % (…)"
FIGURES = ("median_response_s", "p90_response_s", "within_target", "utilisation", "waited_share")
SHARE, DURATION = re.compile(r"^\d+(?:[.,]\d)?\s?%$"), re.compile(r"^\d+(?::\d\d){1,2}$")
QUICK = (SHARE, DURATION, SHARE, re.compile(r"^[1-9]\d*$"))  # across a border, travel, busiest, call-takers


@pytest.mark.usefixtures("demo_year")
def test_a_supervisor_simulates_today_and_a_moved_post(
    open_console: OpenConsole, operator: MakeOperator
) -> None:
    desk = open_console()
    desk.open()
    boss = operator("planner-sup", Role.SUPERVISOR, None)
    desk.login(boss.username, totp_secret=boss.totp_secret)
    page = desk.page
    page.click(desk.by("nav-planning"))
    expect(page.locator(desk.by("planning-view"))).to_be_visible()
    expect(page.locator(desk.by("planning-evaluate-today"))).to_be_enabled(timeout=10_000)
    expect(page.locator(desk.by("planning-evaluate-proposal"))).to_be_disabled()
    page.fill(desk.by("planning-days"), "2")
    page.fill(desk.by("planning-replications"), "2")
    page.click(desk.by("planning-evaluate-today"))
    cells = page.locator(f'{desk.by("planning-cell")}[data-scenario="today"]')
    for n, _figure in enumerate(FIGURES):
        expect(cells.nth(n)).to_have_text(INTERVAL, timeout=30_000)
    # Below them, queueing theory's answers for the same units (computed, so without an interval).
    for n, pattern in enumerate(QUICK, start=len(FIGURES)):
        expect(cells.nth(n)).to_have_text(pattern)
    the_map = page.locator(desk.by("map"))
    expect(the_map).not_to_have_attribute("data-planning-cells", "0")
    expect(the_map).not_to_have_attribute("data-planning-posts", "0")
    # The other scenarios have no figures yet.
    expect(page.locator(f'{desk.by("planning-cell")}[data-scenario="manual"]').first).to_have_text("—")

    page.locator(desk.by("planning-post")).first.click()
    expect(page.locator(desk.by("planning-status"))).not_to_be_empty()
    the_map.click(position={"x": 200, "y": 200})
    expect(page.locator(desk.by("planning-status"))).to_be_empty()
    page.click(desk.by("planning-evaluate-manual"))
    manual = page.locator(f'{desk.by("planning-cell")}[data-scenario="manual"]')
    expect(manual.first).to_have_text(INTERVAL, timeout=30_000)

    # A proposal: a plan file as `kuzet plan` writes it, loaded from disk and simulated.
    plan = {"call_takers": 0, "posts": [{"node": 0, "district": "", "type": "patrol_car", "count": 3}]}
    page.set_input_files(
        desk.by("planning-upload"),
        files=[{"name": "plan.json", "mimeType": "application/json", "buffer": json.dumps(plan).encode()}],
    )
    expect(page.locator(desk.by("planning-summary-proposal"))).to_contain_text("3")
    page.click(desk.by("planning-evaluate-proposal"))
    proposal = page.locator(f'{desk.by("planning-cell")}[data-scenario="proposal"]')
    expect(proposal.first).to_have_text(INTERVAL, timeout=30_000)
