"""Personal data is masked for roles that do not need it and scrubbed from log text."""

from __future__ import annotations

from kuzet.core.pii import PiiKind, mask_iin, mask_name, mask_phone, scrub, shown


def test_masks_keep_only_a_hint() -> None:
    assert mask_phone("+77011234567") == "+7 *** ***-**-67"
    assert mask_iin("900101300123") == "********0123"
    assert mask_name("Серик Ахметов") == "С. А."


def test_analyst_sees_no_personal_data() -> None:
    assert shown("+77011234567", PiiKind.PHONE, "analyst") == "+7 *** ***-**-67"
    assert shown("Серик Ахметов", PiiKind.NAME, "analyst") == "С. А."


def test_call_taker_sees_the_caller() -> None:
    assert shown("900101300123", PiiKind.IIN, "call_taker") == "900101300123"


def test_unknown_role_sees_masks() -> None:
    assert shown("900101300123", PiiKind.IIN, None) == "********0123"


def test_scrub_masks_phones_and_iins_in_free_text() -> None:
    text = "caller +7 701 123-45-67, also 8(7232)123456, IIN 900101300123, call 102"
    cleaned = scrub(text)
    assert "123-45-67" not in cleaned and "900101300123" not in cleaned and "7232" not in cleaned
    assert "call 102" in cleaned
