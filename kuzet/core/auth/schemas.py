"""API shapes of logins, sessions and user accounts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kuzet.core.auth.domain import Role, User
from kuzet.core.pii import PiiKind, shown

USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{3,64}$"


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp_code: str | None = Field(default=None, max_length=12, description="Six-digit code, once enrolled")


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    district: str | None
    full_name: str
    phone: str | None
    second_factor_enrolled: bool
    locked: bool
    lock_reason: str | None
    locked_at: datetime | None
    disabled: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, user: User, *, viewer_role: str | None) -> UserOut:
        """Name and phone are masked for a viewer whose role does not need them (see core/pii.py)."""
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            district=user.district,
            full_name=shown(user.full_name, PiiKind.NAME, viewer_role) or "",
            phone=shown(user.phone, PiiKind.PHONE, viewer_role),
            second_factor_enrolled=user.totp_enrolled,
            locked=user.locked,
            lock_reason=user.lock_reason,
            locked_at=user.locked_at,
            disabled=user.disabled,
            created_at=user.created_at,
        )


class LoginOut(BaseModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime = Field(description="Absolute end of the session; it also ends after inactivity")
    idle_timeout_seconds: int
    second_factor_pending: bool = Field(
        description="True when the role requires a second factor not yet enrolled: only enrolment is allowed"
    )
    user: UserOut


class EnrolmentOut(BaseModel):
    secret: str = Field(description="Base32 TOTP secret, shown once")
    otpauth_uri: str


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=6, max_length=12)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    district: str | None = Field(default=None, min_length=1, max_length=40)
    full_name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=10, max_length=256)
