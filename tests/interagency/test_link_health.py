"""The health of an agency link, computed at a fixed moment from its heartbeats and deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kuzet.interagency.health import LinkFigures, LinkState, Reason, link_health

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def health(
    figures: LinkFigures, enabled: bool = True
) -> tuple[LinkState, datetime | None, tuple[Reason, ...]]:
    found = link_health(
        figures, enabled=enabled, now=NOW, late_after=timedelta(seconds=15), down_after=timedelta(seconds=60)
    )
    return found.state, found.since, found.reasons


@pytest.mark.parametrize(
    ("silent", "state", "reasons"),
    [
        (0, LinkState.UP, ()),
        (15, LinkState.UP, ()),  # exactly at the limit is still in time
        (16, LinkState.DEGRADED, (Reason.HEARTBEAT_LATE,)),
        (60, LinkState.DEGRADED, (Reason.HEARTBEAT_LATE,)),
    ],
)
def test_a_late_heartbeat_degrades_the_link(
    silent: int, state: LinkState, reasons: tuple[Reason, ...]
) -> None:
    assert health(LinkFigures(heartbeat_at=NOW - timedelta(seconds=silent))) == (state, None, reasons)


def test_missed_heartbeats_bring_it_down_since_the_last_one() -> None:
    last = NOW - timedelta(seconds=61)
    assert health(LinkFigures(heartbeat_at=last, failing=2)) == (
        LinkState.DOWN,
        last,
        (Reason.HEARTBEAT_MISSED,),
    )
    assert health(LinkFigures()) == (LinkState.DOWN, None, (Reason.NO_HEARTBEAT,))


def test_failing_deliveries_degrade_a_link_whose_heartbeat_is_fresh() -> None:
    fresh = NOW - timedelta(seconds=3)
    assert health(LinkFigures(heartbeat_at=fresh, waiting=4, failing=1)) == (
        LinkState.DEGRADED,
        None,
        (Reason.DELIVERIES_FAILING,),
    )
    # Messages merely waiting (not yet tried, or delivered on the first try) are no failure.
    assert health(LinkFigures(heartbeat_at=fresh, waiting=4))[0] is LinkState.UP
    late = NOW - timedelta(seconds=20)
    assert health(LinkFigures(heartbeat_at=late, failing=1))[2] == (
        Reason.HEARTBEAT_LATE,
        Reason.DELIVERIES_FAILING,
    )


def test_a_disabled_agency_is_disabled_whatever_its_heartbeat() -> None:
    assert health(LinkFigures(heartbeat_at=NOW), enabled=False) == (
        LinkState.DISABLED,
        None,
        (Reason.DISABLED,),
    )
