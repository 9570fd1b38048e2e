"""Unit tests of the pure throttling rules: allowances, growing waits, decay, and who can make whom wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kuzet.config import ConfigError, Settings
from kuzet.core.auth.domain import (
    ThrottleCount,
    ThrottleKey,
    ThrottlePolicy,
    ThrottleScope,
    throttle_keys,
)
from kuzet.core.auth.service import throttle_policy

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()  # 5 per pair, 20 per address, 10 per account; 1 s doubling to 15 min; 60 min window


class Counts(dict[ThrottleKey, ThrottleCount]):
    """The stored counts, kept in memory the way the service keeps them in the database."""

    def attempt(
        self,
        username: str,
        address: str,
        at: datetime,
        *,
        known: bool = False,
        policy: ThrottlePolicy = POLICY,
    ) -> timedelta | None:
        """One failed attempt: the wait that refused it (nothing counted), or None when it was counted."""
        keys = throttle_keys(username, address, known_address=known)
        waiting = policy.wait(keys, self, at)
        if waiting is not None:
            return waiting[1]
        self.update(policy.after_failure(keys, self, at))
        return None

    def failures(self, scope: ThrottleScope, username: str = "", address: str = "") -> int:
        count = self.get(ThrottleKey(scope, username, address))
        return 0 if count is None else count.failures


def test_waits_grow_from_one_second_doubling_after_the_free_failures() -> None:
    waits = [POLICY.delay(ThrottleScope.PAIR, n) for n in range(1, 11)]
    assert waits == [timedelta(0)] * 5 + [timedelta(seconds=s) for s in (1, 2, 4, 8, 16)]


def test_waits_stop_growing_at_the_maximum() -> None:
    assert POLICY.delay(ThrottleScope.PAIR, 15) == timedelta(seconds=512)
    assert POLICY.delay(ThrottleScope.PAIR, 16) == timedelta(minutes=15)
    assert POLICY.delay(ThrottleScope.PAIR, 10**9) == timedelta(minutes=15)


def test_each_scope_has_its_own_allowance() -> None:
    assert POLICY.delay(ThrottleScope.ADDRESS, 20) == timedelta(0)
    assert POLICY.delay(ThrottleScope.ADDRESS, 21) == timedelta(seconds=1)
    assert POLICY.delay(ThrottleScope.ACCOUNT, 10) == timedelta(0)
    assert POLICY.delay(ThrottleScope.ACCOUNT, 11) == timedelta(seconds=1)


def test_the_sixth_failure_makes_the_pair_wait_and_the_wait_ends_by_itself() -> None:
    counts = Counts()
    for _ in range(6):
        assert counts.attempt("disp1", "10.0.0.9", NOW) is None
    assert counts.attempt("disp1", "10.0.0.9", NOW + timedelta(milliseconds=400)) == timedelta(
        milliseconds=600
    )
    assert counts.attempt("disp1", "10.0.0.9", NOW + timedelta(seconds=1)) is None  # the wait has run out
    assert counts.attempt("disp1", "10.0.0.9", NOW + timedelta(seconds=2)) == timedelta(seconds=1)


def test_counts_are_forgotten_after_the_window_without_failures() -> None:
    counts = Counts()
    for _ in range(5):
        counts.attempt("disp1", "10.0.0.9", NOW)
    later = NOW + POLICY.window
    assert counts.attempt("disp1", "10.0.0.9", later) is None
    assert counts.failures(ThrottleScope.PAIR, "disp1", "10.0.0.9") == 1
    assert counts[ThrottleKey(ThrottleScope.PAIR, "disp1", "10.0.0.9")].first_failure_at == later


def test_one_address_alone_never_makes_the_account_wait() -> None:
    counts = Counts()
    at = NOW
    for _ in range(1000):
        left = counts.attempt("disp1", "10.0.0.9", at)
        at += left if left is not None else timedelta(milliseconds=10)
    assert counts.failures(ThrottleScope.ACCOUNT, "disp1") == POLICY.pair_free
    keys = throttle_keys("disp1", "10.0.0.77", known_address=False)  # the real user, at a new address
    assert POLICY.wait(keys, counts, at) is None
    assert POLICY.wait(throttle_keys("disp1", "10.0.0.9", known_address=False), counts, at) is not None


def test_failures_from_several_addresses_make_the_account_wait_except_at_known_addresses() -> None:
    counts = Counts()
    for address in ("10.0.0.1", "10.0.0.2"):
        for _ in range(5):
            assert counts.attempt("disp1", address, NOW) is None
    assert counts.attempt("disp1", "10.0.0.3", NOW) is None
    assert counts.failures(ThrottleScope.ACCOUNT, "disp1") == 11
    new_address = throttle_keys("disp1", "10.0.0.50", known_address=False)
    waiting = POLICY.wait(new_address, counts, NOW)
    assert waiting is not None and waiting[0].scope is ThrottleScope.ACCOUNT
    assert POLICY.wait(throttle_keys("disp1", "10.0.0.50", known_address=True), counts, NOW) is None


def test_an_address_trying_many_names_waits_for_every_name() -> None:
    counts = Counts()
    for n in range(21):
        assert counts.attempt(f"name{n}", "10.0.0.9", NOW) is None
    waiting = POLICY.wait(throttle_keys("someone-else", "10.0.0.9", known_address=False), counts, NOW)
    assert waiting is not None and waiting[0].scope is ThrottleScope.ADDRESS
    # A user who logged in from this address lately is not held back by the others tried from it.
    assert POLICY.wait(throttle_keys("someone-else", "10.0.0.9", known_address=True), counts, NOW) is None


def test_failures_at_a_known_address_count_only_for_the_pair() -> None:
    counts = Counts()
    for _ in range(30):
        counts.attempt("disp1", "10.0.0.9", NOW, known=True)
    assert counts.failures(ThrottleScope.ADDRESS, address="10.0.0.9") == 0
    assert counts.failures(ThrottleScope.ACCOUNT, "disp1") == 0


def test_user_names_are_counted_without_case_whether_or_not_an_account_exists() -> None:
    assert throttle_keys("Disp1", "10.0.0.9", known_address=False) == throttle_keys(
        "DISP1", "10.0.0.9", known_address=False
    )
    assert {key.scope for key in throttle_keys("nobody", "10.0.0.9", known_address=False)} == set(
        ThrottleScope
    )


def test_the_longest_running_wait_is_reported() -> None:
    keys = throttle_keys("disp1", "10.0.0.9", known_address=False)
    counts = {
        keys[0]: ThrottleCount(9, NOW, NOW, NOW + timedelta(seconds=8)),
        keys[1]: ThrottleCount(30, NOW, NOW, NOW + timedelta(seconds=60)),
        keys[2]: ThrottleCount(3, NOW, NOW, None),
    }
    assert POLICY.wait(keys, counts, NOW + timedelta(seconds=1)) == (keys[1], timedelta(seconds=59))
    assert POLICY.wait(keys, counts, NOW + timedelta(seconds=60)) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"account_free": 4},  # below the pair allowance: one address could make the account wait
        {"first_delay": timedelta(0)},
        {"max_delay": timedelta(hours=2)},  # longer than the window
        {"pair_free": 0},
    ],
)
def test_inconsistent_policies_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(**changes)  # type: ignore[arg-type]


def test_the_settings_build_the_policy_and_inconsistent_ones_stop_the_server() -> None:
    settings = Settings(login_throttle_pair_free=3, login_throttle_max_delay_seconds=60)
    policy = throttle_policy(settings)
    assert (policy.pair_free, policy.max_delay, policy.known_for) == (
        3,
        timedelta(minutes=1),
        timedelta(days=30),
    )
    with pytest.raises(ConfigError, match="KUZET_LOGIN_THROTTLE_ACCOUNT_FREE"):
        throttle_policy(Settings(login_throttle_pair_free=11))
