"""Our IIN check, compared with the independent `kz-iin-validator` package on many numbers."""

from __future__ import annotations

from datetime import date

import kz_iin_validator
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuzet.appeals.iin import InvalidIin, Sex, check_digit, parse_iin

TODAY = date(2026, 11, 28)


def theirs_accepts(value: str) -> bool:
    validated, _error = kz_iin_validator.safe_validate_iin(value)
    return validated is not None and validated.is_person


def ours_accepts(value: str) -> bool:
    try:
        parse_iin(value, today=TODAY)
    except InvalidIin:
        return False
    return True


@st.composite
def person_prefixes(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    century = 3 if born.year < 2000 else 5
    digit7 = century + draw(st.sampled_from([0, 1]))
    serial = draw(st.integers(min_value=0, max_value=9999))
    return f"{born:%y%m%d}{digit7}{serial:04d}"


@settings(max_examples=400, deadline=None)
@given(person_prefixes())
def test_check_digit_agrees_with_kz_iin_validator(prefix: str) -> None:
    for last in "0123456789":
        value = prefix + last
        assert ours_accepts(value) == theirs_accepts(value), value


def test_numbers_made_by_the_reference_generator_are_accepted() -> None:
    """The reference also accepts birth dates in the future; ours refuses those, so they are left out."""
    for _ in range(300):
        value = kz_iin_validator.generate_iin()
        validated, _error = kz_iin_validator.safe_validate_iin(value)
        if validated is not None and validated.is_person and validated.born_date.datetime.date() <= TODAY:
            assert ours_accepts(value), value


def test_second_weighting_pass_is_used_when_the_first_gives_ten() -> None:
    found = 0
    for serial in range(10000):
        prefix = f"9001013{serial:04d}"
        first = sum(int(d) * w for d, w in zip(prefix, range(1, 12), strict=True)) % 11
        if first == 10 and check_digit(prefix) is not None:
            assert theirs_accepts(prefix + str(check_digit(prefix)))
            found += 1
    assert found > 0


def test_parse_reads_birth_date_and_sex() -> None:
    prefix = "9001014" + "0123"
    value = prefix + str(check_digit(prefix))
    iin = parse_iin(value, today=TODAY)
    assert (iin.born_on, iin.sex) == (date(1990, 1, 1), Sex.FEMALE)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12345", "An IIN has exactly 12 digits."),
        ("90010130012a", "An IIN has exactly 12 digits."),
        ("900101700123", "The 7th digit of the IIN (century and sex) must be 1 to 6."),
        ("901301300123", "The first six digits of the IIN are not a valid date of birth."),
        ("270101500123", "The date of birth in the IIN is in the future."),
    ],
)
def test_refusals_say_why(value: str, reason: str) -> None:
    with pytest.raises(InvalidIin, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_iin(value, today=TODAY)
