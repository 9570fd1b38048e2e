"""Personal data is masked for roles that do not need it and scrubbed from log text."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import pickle

import pytest

from kuzet.core.logging import PiiScrubber, logging_config
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


def test_scrub_masks_a_phone_percent_encoded_in_a_url() -> None:
    assert (
        scrub('"GET /api/v1/appeals/%2B77011234567 HTTP/1.1" 404')
        == '"GET /api/v1/appeals/[phone] HTTP/1.1" 404'
    )
    assert scrub("/search/%2B7%20701%20123%2045%2067/x") == "/search/[phone]/x"
    assert (
        scrub("q=8+701+123+45+67") == "q=8+701+123+45+67"
    )  # no escape: a form's pluses are read literally …
    assert scrub("q=%2B7+701+123+45+67") == "q=[phone]"  # … but with escapes, a plus is also read as a space
    assert scrub("/a/%252B77011234567") == "/a/[phone]"  # encoded twice
    assert scrub("iin=%39%30%30%31%30%31%33%30%30%31%32%33") == "iin=[iin]"


def test_scrub_keeps_encoded_text_without_personal_data_as_it_was() -> None:
    for text in ("/api/v1/geo/search/%D0%90%D0%B1%D0%B0%D1%8F", "100%25 done", "/a%2Fb?x=%zz", "50% of 102"):
        assert scrub(text) == text


def test_decoding_to_mask_a_phone_does_not_let_a_request_forge_a_log_line() -> None:
    cleaned = scrub("/x/%0A%7B%22level%22%3A%22ERROR%22%7D%2B77011234567")
    assert "\n" not in cleaned and "%0A" in cleaned
    assert "7011234567" not in cleaned


def test_access_log_record_keeps_the_path_masked_and_drops_the_query() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/api/v1/appeals/%2B77011234567?q=%D0%A1%D0%B5%D1%80%D0%B8%D0%BA",
            "1.1",
            404,
        ),
        None,
    )
    assert PiiScrubber().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/v1/appeals/[phone] HTTP/1.1" 404'


def test_the_logging_set_up_given_to_each_worker_is_plain_data_that_masks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = logging_config("INFO")
    assert pickle.loads(pickle.dumps(config)) == config  # noqa: S301 - as spawn sends it to each worker
    root = logging.getLogger()
    previous = root.handlers[:], root.level
    try:
        logging.config.dictConfig(config)
        logging.getLogger("uvicorn.error").info("caller %s", "%2B7%20701%20123%2045%2067")
    finally:
        root.handlers, level = previous
        root.setLevel(level)
    (line,) = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert (record["logger"], record["message"], record["process"]) == (
        "uvicorn.error",
        "caller [phone]",
        os.getpid(),
    )
