"""Password hashing (argon2), TOTP second factor, session tokens and encryption of stored secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

TOTP_STEP_SECONDS = 30
_SIX_ASCII_DIGITS = re.compile(r"[0-9]{6}")
TOTP_VALID_WINDOW = 1  # one step before or after, for clock drift on the officer's phone


class Passwords:
    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Spent on unknown user names too, so that timing does not tell which names exist.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class SecretBox:
    """Encrypts secrets at rest (TOTP seeds) with a key derived from KUZET_SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"kuzet:secret-box:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with the current KUZET_SECRET_KEY") from exc


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, *, username: str, issuer: str) -> str:
    return str(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer))


def totp_code(secret: str, at: datetime) -> str:
    return str(pyotp.TOTP(secret).at(at))


@dataclass(frozen=True)
class TotpCheck:
    ok: bool
    step: int | None = None


def check_totp(secret: str, code: str, *, at: datetime, last_used_step: int | None) -> TotpCheck:
    """Accept a code of the current step or its neighbours, but never a step already used (no replay)."""
    code = code.strip().replace(" ", "")
    if not _SIX_ASCII_DIGITS.fullmatch(code):
        return TotpCheck(False)
    totp = pyotp.TOTP(secret)
    now_step = int(at.timestamp()) // TOTP_STEP_SECONDS
    for step in range(now_step - TOTP_VALID_WINDOW, now_step + TOTP_VALID_WINDOW + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(str(totp.generate_otp(step)), code):
            return TotpCheck(True, step)
    return TotpCheck(False)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Only the digest of a session token is stored, so a database leak gives no live sessions."""
    return hashlib.sha256(token.encode()).hexdigest()
