"""The server keeps the snapshot fresh by itself, and a bad analytics setting stops it from starting."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from kuzet.analytics.service import Analytics
from kuzet.app import create_app
from kuzet.config import ConfigError
from kuzet.container import Services
from tests.analytics import dataset
from tests.conftest import running_server


def refresher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "analytics-refresher"]


def test_the_server_refreshes_the_snapshot_in_the_background(services: Services, tmp_path: Path) -> None:
    """A second server on the same database, with a snapshot folder of its own, started as `kuzet serve`."""
    dataset.load(services)
    settings = services.settings.model_copy(
        update={"analytics_refresh_seconds": 0.2, "outbox_relay": False, "data_dir": tmp_path}
    )
    own = Services.build(settings)
    snapshot = own.analytics.snapshot
    with running_server(create_app(settings, services=own), lifespan="on"):
        deadline = time.monotonic() + 10
        while snapshot.state().base is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert refresher_threads()
    state = snapshot.state()
    assert state.base is not None and state.rows == len(dataset.CASES)
    assert not refresher_threads()  # stopped with the server


@pytest.mark.parametrize(
    ("update", "named"),
    [
        ({"analytics_intervals": {"response": ["received_at", "closed_at"]}}, "KUZET_ANALYTICS_INTERVALS"),
        ({"analytics_intervals": {"to_close": ["received_at"]}}, "KUZET_ANALYTICS_INTERVALS"),
        ({"analytics_intervals": {"x": ["received_at", "drop table"]}}, "KUZET_ANALYTICS_INTERVALS"),
        ({"analytics_target_minutes": {"coffee": 5}}, "KUZET_ANALYTICS_TARGET_MINUTES"),
    ],
)
def test_a_bad_analytics_setting_names_itself(
    services: Services, update: dict[str, object], named: str
) -> None:
    settings = services.settings.model_copy(update=update)
    with pytest.raises(ConfigError, match=named):
        Analytics.build(settings, services.engine, services.clock)
