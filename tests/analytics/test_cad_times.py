"""Reading the times of a CAD export: formats, zones (Almaty's 2024 change), a fast path true to strptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuzet.analytics.cad.mapping import FormatKind, Source, TimeFormat
from kuzet.analytics.cad.times import fast_pattern, parse, read_time

ALMATY = ZoneInfo("Asia/Almaty")
LOCAL = TimeFormat(FormatKind.PATTERN, "%d.%m.%Y %H:%M:%S")
ISO = TimeFormat(FormatKind.ISO8601)


def source(*formats: TimeFormat) -> Source:
    return Source("t", formats, ALMATY)


@pytest.mark.parametrize(
    ("text", "formats", "expected"),
    [
        (
            "31.12.2025 23:59:07",
            (LOCAL,),
            datetime(2025, 12, 31, 18, 59, 7, tzinfo=UTC),
        ),  # UTC+5 since 2024-03
        ("15.02.2024 10:00:00", (LOCAL,), datetime(2024, 2, 15, 4, 0, tzinfo=UTC)),  # UTC+6 before
        ("2025-12-31T23:59:07+06:00", (ISO,), datetime(2025, 12, 31, 17, 59, 7, tzinfo=UTC)),
        ("2025-12-31T23:59:07Z", (ISO,), datetime(2025, 12, 31, 23, 59, 7, tzinfo=UTC)),
        ("2025-12-31 23:59:07", (ISO,), datetime(2025, 12, 31, 18, 59, 7, tzinfo=UTC)),
        ("1767225547", (TimeFormat(FormatKind.EPOCH_S),), datetime(2025, 12, 31, 23, 59, 7, tzinfo=UTC)),
        (
            "1767225547250",
            (TimeFormat(FormatKind.EPOCH_MS),),
            datetime(2025, 12, 31, 23, 59, 7, 250000, tzinfo=UTC),
        ),
        ("2025-06-01T10:00:00", (LOCAL, ISO), datetime(2025, 6, 1, 5, 0, tzinfo=UTC)),
        (
            "31/12/2025 11:59 PM +0600",
            (TimeFormat(FormatKind.PATTERN, "%d/%m/%Y %I:%M %p %z"),),
            datetime(2025, 12, 31, 17, 59, tzinfo=UTC),
        ),
    ],
)
def test_times_are_read_in_their_format_and_zone_and_stored_as_utc(
    text: str, formats: tuple[TimeFormat, ...], expected: datetime
) -> None:
    assert read_time(text, source(*formats)) == (expected, False)


def test_a_local_time_repeated_at_the_2024_clock_change_is_flagged_and_takes_the_earlier_offset() -> None:
    moment, ambiguous = read_time("29.02.2024 23:30:00", source(LOCAL)) or (None, None)
    assert ambiguous is True and moment == datetime(2024, 2, 29, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["32.05.2025 18:06:00", "31.02.2025 10:00:00", "вчера", "1e400", "nan"])
def test_a_time_that_fits_no_format_is_unreadable(text: str) -> None:
    formats = (LOCAL, ISO, TimeFormat(FormatKind.EPOCH_S))
    assert read_time(text, source(*formats)) is None


@pytest.mark.parametrize(
    ("pattern", "fast"),
    [
        ("%d.%m.%Y %H:%M:%S", True),
        ("%Y-%m-%dT%H:%M", True),
        ("%d.%m.%Y %H:%M:%S.%f", False),  # fractions: strptime's
        ("%Y%m%d %H%M%S", False),  # numbers side by side: strptime's
        ("%d %b %Y %H:%M", False),  # month names: strptime's
    ],
)
def test_only_plain_numeric_patterns_take_the_fast_path(pattern: str, fast: bool) -> None:
    assert (fast_pattern(pattern) is not None) is fast


PATTERNS = ["%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M", "%H:%M %d.%m.%Y"]


def _strptime(text: str, pattern: str) -> datetime | None:
    try:
        return datetime.strptime(text, pattern)  # noqa: DTZ007
    except ValueError:
        return None


@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2039, 12, 31)),  # noqa: DTZ001
    pattern=st.sampled_from(PATTERNS),
)
def test_the_fast_path_reads_well_formed_times_as_strptime_does(moment: datetime, pattern: str) -> None:
    text = moment.strftime(pattern)
    assert parse(text, TimeFormat(FormatKind.PATTERN, pattern)) == _strptime(text, pattern)


@given(text=st.text(alphabet="0123456789.:-T /\u00a0\u0663", max_size=22), pattern=st.sampled_from(PATTERNS))
def test_the_fast_path_accepts_nothing_that_strptime_refuses(text: str, pattern: str) -> None:
    assert parse(text, TimeFormat(FormatKind.PATTERN, pattern)) == _strptime(text, pattern)


def test_single_digits_blank_runs_and_unicode_digits_read_as_strptime_reads_them() -> None:
    for text in (
        "1.2.2025 3:04:05",
        "01.02.2025   03:04:05",
        "01.02.2025\u00a003:04:05",  # a no-break space: strptime's blanks are Unicode ones
        "01.02.\u0662\u0660\u0662\u0665 03:04:05",  # Arabic-Indic digits, which strptime's %Y takes
    ):
        assert parse(text, LOCAL) == _strptime(text, LOCAL.pattern) == datetime(2025, 2, 1, 3, 4, 5)  # noqa: DTZ001
    assert (
        parse("0\u0663.02.2025 03:04:05", LOCAL)
        is None
        is _strptime("0\u0663.02.2025 03:04:05", LOCAL.pattern)
    )
    assert parse("01.02.2025 24:00:00", LOCAL) is None
    assert read_time("01.01.2025 00:00:00", source(LOCAL)) == (datetime(2024, 12, 31, 19, tzinfo=UTC), False)
    assert timedelta(hours=5) == ALMATY.utcoffset(datetime(2025, 1, 1))  # noqa: DTZ001
