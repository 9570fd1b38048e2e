"""API shapes of logins, sessions and user accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kuzet.core.auth.domain import Role, User
from kuzet.core.auth.throttling import Throttles
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
    districts: list[str] = Field(description="Every district the account is tied to; empty: region-wide")
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
            districts=list(user.districts),
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
    also_districts: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=50, description="An analyst's further districts, beside district"
    )
    full_name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32)


class DistrictsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    districts: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        max_length=50,
        description="The districts, the first being the account's district; several for an analyst only; "
        "empty: region-wide",
    )


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=10, max_length=256)


class ThrottleSourceOut(BaseModel):
    address: str | None = Field(description="Source address; null when the server could not tell")
    failures: int = Field(description="Failed logins of this user name from this address, still counting")
    last_failure_at: datetime
    blocked_until: datetime | None = Field(description="Logins of this name from here wait until then")


class ThrottledAccountOut(BaseModel):
    username: str = Field(description="The user name as tried, without case")
    user_id: int | None = Field(description="The account of that name; null when there is none")
    failures: int = Field(description="Failures against the name from addresses not known good for it")
    last_failure_at: datetime | None
    blocked_until: datetime | None = Field(
        description="Logins of this name from addresses not known good for it wait until then"
    )
    sources: list[ThrottleSourceOut]


class ThrottledAddressOut(BaseModel):
    address: str | None
    failures: int = Field(description="Failures from this address for names it is not known good for")
    last_failure_at: datetime
    blocked_until: datetime | None = Field(
        description="Logins from here wait until then, but known good ones"
    )
    usernames: int = Field(description="How many user names failed from this address")


class ThrottlesOut(BaseModel):
    accounts: list[ThrottledAccountOut]
    addresses: list[ThrottledAddressOut]

    @classmethod
    def from_domain(cls, throttles: Throttles) -> ThrottlesOut:
        return cls(
            accounts=[
                ThrottledAccountOut(
                    username=a.username,
                    user_id=a.user_id,
                    failures=a.failures,
                    last_failure_at=a.last_failure_at,
                    blocked_until=a.blocked_until,
                    sources=[
                        ThrottleSourceOut(
                            address=s.address or None,
                            failures=s.failures,
                            last_failure_at=s.last_failure_at,
                            blocked_until=s.blocked_until,
                        )
                        for s in a.sources
                    ],
                )
                for a in throttles.accounts
            ],
            addresses=[
                ThrottledAddressOut(
                    address=a.address or None,
                    failures=a.failures,
                    last_failure_at=a.last_failure_at,
                    blocked_until=a.blocked_until,
                    usernames=a.usernames,
                )
                for a in throttles.addresses
            ],
        )


class ThrottlesClearedOut(BaseModel):
    cleared: int = Field(description="How many failure counts were forgotten")
