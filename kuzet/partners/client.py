"""A small client for partner systems (and our tests): it signs each request as the gateway checks it."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from kuzet.partners import signing


class PartnerClient:
    def __init__(
        self,
        base_url: str,
        *,
        key_id: str,
        secret: str,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key_id = key_id
        self._secret = secret
        self._http = http or httpx.Client(base_url=base_url, timeout=30)
        self._clock = clock

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = signing.signed_headers(
            key_id=self.key_id,
            secret=self._secret,
            method=method,
            path=path,
            body=body,
            timestamp=int(self._clock()),
            nonce=secrets.token_hex(12),
        )
        return self._http.request(method, path, content=body, headers={**(headers or {}), **signed})

    def send_appeal(self, appeal: dict[str, Any], *, idempotency_key: str | None = None) -> httpx.Response:
        """POST an appeal. Retrying with the same idempotency key is safe: one appeal, the same answer."""
        body = json.dumps(appeal, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            signing.IDEMPOTENCY_HEADER: idempotency_key or str(uuid.uuid4()),
        }
        return self.request("POST", "/partner/v1/appeals", body, headers)

    def poll(self, appeal_id: int) -> httpx.Response:
        return self.request("GET", f"/partner/v1/appeals/{appeal_id}")

    def upload(self, content: bytes) -> httpx.Response:
        return self.request(
            "POST", "/partner/v1/media", content, {"Content-Type": "application/octet-stream"}
        )

    def close(self) -> None:
        self._http.close()
