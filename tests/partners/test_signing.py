"""The signature scheme: the worked example of docs/partner-api.md, recomputed; the pure checks."""

from __future__ import annotations

import re
from pathlib import Path

from kuzet.partners import signing

DOC = (Path(__file__).resolve().parents[2] / "docs" / "partner-api.md").read_text(encoding="utf-8")


def from_doc(label: str) -> str:
    match = re.search(rf"\| {label} \| `([^`]+)` \|", DOC)
    assert match, label
    return match.group(1)


def example_body() -> bytes:
    match = re.search(r"Body \(UTF-8, exactly these bytes\):\n\n```json\n(.+?)\n```", DOC)
    assert match
    return match.group(1).encode()


def test_the_worked_example_is_right() -> None:
    body = example_body()
    secret, timestamp, nonce = from_doc("secret"), from_doc("timestamp"), from_doc("nonce")
    digest = re.search(r"Body SHA-256: `([0-9a-f]{64})`", DOC)
    canonical = re.search(r"Canonical text:\n\n```\n(.+?)\n```", DOC, re.S)
    header = re.search(r"X-Kuzet-Signature: (v1=[0-9a-f]{64})", DOC)
    assert digest and canonical and header
    assert signing.body_digest(body) == digest.group(1)
    assert signing.canonical("POST", "/partner/v1/appeals", timestamp, nonce, body) == canonical.group(1)
    assert signing.signature(secret, "POST", "/partner/v1/appeals", timestamp, nonce, body) == header.group(1)


def signed(secret: str = "s3cret-s3cret", **changes: str) -> signing.SignedRequest:  # noqa: S107
    headers = signing.signed_headers(
        key_id="k1",
        secret=secret,
        method="POST",
        path="/p",
        body=b"{}",
        timestamp=1_800_000_000,
        nonce="abcdef012345",
    )
    headers.update(changes)
    parsed = signing.SignedRequest.from_headers(headers)
    assert parsed is not None
    return parsed


def test_check_accepts_a_fresh_right_signature() -> None:
    assert (
        signing.check(
            signed(), secret="s3cret-s3cret", method="POST", path="/p", body=b"{}", now=1_800_000_100
        )
        is None
    )


def test_check_names_each_refusal() -> None:
    def why(request: signing.SignedRequest, **kw: object) -> signing.Refusal | None:
        args: dict[str, object] = {
            "secret": "s3cret-s3cret",
            "method": "POST",
            "path": "/p",
            "body": b"{}",
            "now": 1_800_000_000,
        }
        args.update(kw)
        return signing.check(request, **args)  # type: ignore[arg-type]

    assert why(signed(), now=1_800_000_301) == signing.Refusal.OUTSIDE_WINDOW
    assert why(signed(), now=1_799_999_699) == signing.Refusal.OUTSIDE_WINDOW
    assert why(signed(), body=b'{"x":1}') == signing.Refusal.BAD_SIGNATURE
    assert why(signed(), path="/q") == signing.Refusal.BAD_SIGNATURE
    assert why(signed(secret="other-secret")) == signing.Refusal.BAD_SIGNATURE
    assert why(signed(**{signing.TIMESTAMP_HEADER: "soon"})) == signing.Refusal.BAD_TIMESTAMP
    assert why(signed(**{signing.NONCE_HEADER: "short"})) == signing.Refusal.BAD_NONCE


def test_missing_headers_are_noticed() -> None:
    assert signing.SignedRequest.from_headers({signing.KEY_HEADER: "k1"}) is None
