"""Fixtures of the analytics tests: the app's analytics with its snapshot forgotten, and one of a region that
configured its own intervals and targets, with a snapshot folder of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kuzet.analytics.service import Analytics
from kuzet.config import Settings
from kuzet.container import Services

# The region's configuration of the `region` fixture.
CUSTOM_INTERVALS = {
    "acknowledge": ("unit_assigned_at", "unit_acknowledged_at"),
    "secured": ("first_on_scene_at", "scene_secured_at"),  # a further stamp of imported incidents
}
RESPONSE_TARGETS = {1: 5.0, 2: 10.0, 3: 15.0}
TARGETS = {"call_processing": 1.0}


@pytest.fixture
def analytics(services: Services) -> Analytics:
    """The app's analytics (the API's), over the emptied database: its snapshot is read afresh."""
    services.analytics.reset()
    return services.analytics


@pytest.fixture
def region_settings(services: Services, tmp_path: Path) -> Settings:
    return services.settings.model_copy(
        update={
            "data_dir": tmp_path,
            "analytics_intervals": CUSTOM_INTERVALS,
            "analytics_target_minutes": TARGETS,
            "response_target_minutes": RESPONSE_TARGETS,
            "analytics_compact_after": 2,
        }
    )


@pytest.fixture
def region(services: Services, region_settings: Settings) -> Iterator[Analytics]:
    built = Analytics.build(region_settings, services.engine, services.clock)
    yield built
    built.close()
