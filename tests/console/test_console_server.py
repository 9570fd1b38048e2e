"""What the server gives the console: its page, its texts in three languages, and the numbers it measures
against."""

from __future__ import annotations

import httpx

from kuzet.console.texts import TEXTS
from tests.conftest import LiveServer
from tests.ops import Centre


def test_the_console_is_served_from_the_package_and_the_root_leads_to_it(server: LiveServer) -> None:
    root = httpx.get(server.url + "/", follow_redirects=False)
    assert root.status_code in (302, 307) and root.headers["location"] == "/console/"
    page = httpx.get(server.url + "/console/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "app.js" in page.text and "http" not in page.text.replace("http-equiv", "")  # nothing from outside
    assert 'rel="icon" href="favicon.svg"' in page.text
    icon = httpx.get(server.url + "/console/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_every_console_text_comes_in_russian_kazakh_and_english(server: LiveServer) -> None:
    texts = {
        locale: httpx.get(server.url + "/api/v1/console/texts", params={"locale": locale}).json()
        for locale in ("ru", "kk", "en")
    }
    for locale, shown in texts.items():
        assert set(shown) == set(TEXTS), locale
        assert all(value.strip() for value in shown.values()), locale
    assert texts["en"] == dict(TEXTS)
    differ = sum(texts["kk"][k] != texts["ru"][k] for k in TEXTS)
    assert differ > 0.9 * len(TEXTS)  # Kazakh is its own language, not Russian left untranslated
    refused = httpx.get(server.url + "/api/v1/console/texts", params={"locale": "de"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_the_console_measures_against_the_servers_targets(centre: Centre, server: LiveServer) -> None:
    settings = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/console/settings"))
    configured = server.services.settings
    assert settings["response_target_minutes"] == {
        str(k): v for k, v in configured.response_target_minutes.items()
    }
    assert settings["position_stale_seconds"] == configured.position_stale_seconds
    assert settings["timezone"] == "Asia/Almaty"
