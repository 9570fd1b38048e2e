"""Erlang B and C for call-takers, checked against published values and an independent formulation.

Sources of the quoted values:
- Erlang B tables: the offered load that a group of N lines carries at a grade of service of 1 % (and 5 %,
  2 %) as printed in the standard Erlang B table (N = 10: 4.46 E at 1 %, 5.08 E at 2 %, 6.22 E at 5 %;
  N = 20: 12.03 E at 1 %; N = 100: 84.06 E at 1 %), and the worked example of the erlang.com calculator
  manual ("How much traffic can a trunk group handle?": 15 lines at 1 % blocking carry 8.108 E). Evaluating B
  at the tabled load must give back the table's grade of service to 3 decimals.
- Erlang C: the M/M/1 and M/M/2 closed forms (Gross & Harris, *Fundamentals of Queueing Theory*, §2.2–2.3:
  P(wait) = ρ for one server, 2ρ²/(1 + ρ) for two, Wq = ρ/(μ − λ) for one server), and the call-centre
  example widely used to teach Erlang C (Call Centre Helper, "Erlang C formula – made simple": 100 calls per
  half hour, 180 s handling, 80 % in 20 s → 10 E, 14 agents, probability of waiting 17.4 %,
  service level 88.8 %,
  ASA 7.8 s).
The independent formulation is the textbook one, P_k ∝ a^k/k!, summed with scipy's Poisson distribution.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import poisson  # type: ignore[import-untyped]

from kuzet.planning.erlang import (
    HOURS_PER_WEEK,
    ServiceTarget,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    mean_wait,
    service_level,
    staffing,
    staffing_table,
)


def erlang_b_by_poisson(servers: int, load: float) -> float:
    """B = P(X = c) / P(X ≤ c) for X ~ Poisson(a): the truncated-Poisson form of Erlang's loss formula."""
    return float(poisson.pmf(servers, load) / poisson.cdf(servers, load))


def erlang_c_by_poisson(servers: int, load: float) -> float:
    """C = P(X = c)·c/(c − a) / (P(X ≤ c − 1) + P(X = c)·c/(c − a)), the textbook sum form."""
    tail = poisson.pmf(servers, load) * servers / (servers - load)
    return float(tail / (poisson.cdf(servers - 1, load) + tail))


@pytest.mark.parametrize(
    ("servers", "load", "grade"),
    [
        (10, 4.46, 0.01),
        (10, 5.08, 0.02),
        (10, 6.22, 0.05),
        (20, 12.03, 0.01),
        (100, 84.06, 0.01),
        (15, 8.108, 0.01),
    ],
)
def test_erlang_b_gives_back_the_published_grade_of_service(servers: int, load: float, grade: float) -> None:
    assert round(erlang_b(servers, load), 3) == pytest.approx(grade, abs=1e-9)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (5, 3.0), (30, 25.0), (150, 140.0), (400, 390.0)])
def test_erlang_b_recursion_matches_the_poisson_form(servers: int, load: float) -> None:
    assert erlang_b(servers, load) == pytest.approx(erlang_b_by_poisson(servers, load), rel=1e-9)


def test_erlang_b_stays_finite_for_hundreds_of_servers() -> None:
    value = erlang_b(2000, 1950.0)
    assert 0.0 < value < 1.0 and math.isfinite(value)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9])
def test_erlang_c_matches_the_one_and_two_server_closed_forms(rho: float) -> None:
    assert erlang_c(1, rho) == pytest.approx(rho, abs=1e-12)
    assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho), abs=1e-12)
    assert mean_wait(1, rho, 1.0) == pytest.approx(rho / (1.0 - rho), abs=1e-12)


@pytest.mark.parametrize(("servers", "load"), [(3, 2.0), (14, 10.0), (55, 48.0), (120, 110.0)])
def test_erlang_c_matches_the_textbook_sum(servers: int, load: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(erlang_c_by_poisson(servers, load), rel=1e-9)


def test_call_centre_example_reproduces_the_published_figures() -> None:
    load = 100 / 1800 * 180  # 100 calls per 30 minutes, 180 s each
    assert load == pytest.approx(10.0)
    assert staffing(200.0, 180.0, ServiceTarget(0.8, 20.0)) == 14
    assert round(erlang_c(14, load), 3) == pytest.approx(0.174)
    assert round(service_level(14, load, 180.0, 20.0), 3) == pytest.approx(0.888)
    assert round(average_speed_of_answer(14, load, 180.0), 1) == pytest.approx(7.8)


def test_mean_wait_is_erlang_c_over_the_spare_capacity() -> None:
    arrival, service, servers = 4.0, 0.5, 10
    expected = erlang_c_by_poisson(servers, arrival / service) / (servers * service - arrival)
    assert mean_wait(servers, arrival, service) == pytest.approx(expected, rel=1e-9)
    assert mean_wait(8, arrival, service) == math.inf


def test_asa_ceiling_can_ask_for_more_call_takers_than_the_service_level() -> None:
    by_level = staffing(200.0, 180.0, ServiceTarget(0.8, 20.0))
    by_asa = staffing(200.0, 180.0, ServiceTarget(0.8, 20.0, max_asa_s=2.0))
    assert by_asa > by_level
    assert average_speed_of_answer(by_asa, 10.0, 180.0) <= 2.0
    assert average_speed_of_answer(by_asa - 1, 10.0, 180.0) > 2.0


def test_staffing_is_the_fewest_that_meet_the_target() -> None:
    target = ServiceTarget(0.9, 15.0)
    for rate in (5.0, 60.0, 240.0, 900.0):
        load = rate * 150.0 / 3600.0
        need = staffing(rate, 150.0, target)
        assert service_level(need, load, 150.0, 15.0) >= 0.9
        assert service_level(need - 1, load, 150.0, 15.0) < 0.9


def test_staffing_table_covers_the_week_hour_by_hour() -> None:
    profile = [20.0 + 15.0 * math.sin(2 * math.pi * h / 24) ** 2 for h in range(HOURS_PER_WEEK)]
    profile[3] = 0.0
    rows = staffing_table(profile, handle_time_s=120.0)
    assert [r.hour_of_week for r in rows] == list(range(HOURS_PER_WEEK))
    assert rows[3].call_takers == 0
    busiest = max(rows, key=lambda r: r.arrivals_per_hour)
    quietest = min((r for r in rows if r.call_takers), key=lambda r: r.arrivals_per_hour)
    assert busiest.call_takers > quietest.call_takers
    for row in rows:
        if row.call_takers:
            assert row.service_level >= 0.8
            assert row.occupancy == pytest.approx(row.offered_load / row.call_takers)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: erlang_b(-1, 1.0), "servers"),
        (lambda: erlang_c(3, -0.5), "offered_load"),
        (lambda: mean_wait(3, -1.0, 1.0), "arrival_rate"),
        (lambda: mean_wait(3, 1.0, 0.0), "service_rate"),
        (lambda: staffing(10.0, -5.0, ServiceTarget()), "handle_time_s"),
        (lambda: ServiceTarget(1.5, 20.0), "answered_share"),
        (lambda: staffing_table([1.0] * 24, handle_time_s=60.0), "profile"),
        (lambda: staffing_table([1.0] * 167 + [-1.0], handle_time_s=60.0), "profile"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=field):
        call()
