"""The settings every service reads for access control (a group its settings class inherits)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from fraudmesh.access.tokens import OidcSettings
from fraudmesh.settings import DatabaseSettings


class AccessSettings(OidcSettings, DatabaseSettings):
    access_control: bool = Field(
        True,
        description="Refuse every call without a valid credential of a role the call allows. Off only to "
        "measure what access control costs (the benchmark compares both).",
    )
    service_api_key: SecretStr = Field(
        SecretStr(""),
        description="This service's own API key (role service), sent on its calls to the other services. "
        "`make up` creates one per service; never logged.",
    )
    access_refresh_seconds: float = Field(
        2.0, gt=0, le=60, description="How often the valid API keys are read again from PostgreSQL."
    )
    rate_limit_per_second: int = Field(
        50, ge=1, description="Calls per second one viewer, analyst or admin credential may make, per process."
    )
    service_rate_limit_per_second: int = Field(
        20_000, ge=1, description="Calls per second one service credential may make, per process."
    )
