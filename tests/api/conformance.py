"""Schemathesis over real HTTP: generated requests for every operation of the live app's OpenAPI document,
each answer checked against that document. Used by test_openapi_conformance.py."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kuzet.partners import signing

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEED = 20261206


class PartnerSignature(requests.auth.AuthBase):
    """Signs each request as a partner system does (docs/partner-api.md), after schemathesis built it."""

    def __init__(self, key_id: str, secret: str) -> None:
        self.key_id = key_id
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        request.headers.update(
            signing.signed_headers(
                key_id=self.key_id,
                secret=self.secret,
                method=str(request.method),
                path=str(request.path_url),
                body=body.encode() if isinstance(body, str) else body,
                timestamp=int(time.time()),
                nonce=secrets.token_hex(12),
            )
        )
        return request


@dataclass
class Profile:
    """Who calls: the headers every request carries, or a signing session; operations left out, and why."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)
    skip: Callable[[str, str], bool] = lambda method, path: False


@dataclass
class Finding:
    operation: str
    mode: str
    error: str


def run(
    base_url: str,
    profile: Profile,
    *,
    max_examples: int,
    operations: Iterable[tuple[str, str]] | None = None,
) -> tuple[Counter[int], list[Finding]]:
    """Runs every operation (or the given ones) in positive and negative mode; returns the statuses of the
    answers (how many of each) and what failed. Each operation's first failure is reported, not shrunk."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    wanted = set(operations) if operations is not None else None
    statuses: Counter[int] = Counter()
    findings: list[Finding] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        if profile.skip(method, path) or (wanted is not None and (method, path) not in wanted):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @seed(SEED)
            @settings(
                max_examples=max_examples,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                response = case.call_and_validate(
                    base_url=base_url,
                    session=profile.session,
                    headers=dict(profile.headers),
                    checks=CHECKS,
                    timeout=30,
                )
                statuses[response.status_code] += 1

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to make invalid: an operation without parameters or body, in negative mode
            except (Exception, BaseExceptionGroup) as exc:  # every failure is collected and reported together
                findings.append(Finding(f"{method} {path}", mode.value, _first_lines(exc)))
    return statuses, findings


def _first_lines(exc: BaseException, lines: int = 30) -> str:
    """The failure's first lines, and those of the failures it groups (a flaky one hides its cause there)."""
    text = "\n".join(str(exc).splitlines()[:lines]) or type(exc).__name__
    for inner in getattr(exc, "exceptions", ()):
        text += f"\n  caused by {type(inner).__name__}: " + _first_lines(inner, lines // 2)
    return text
