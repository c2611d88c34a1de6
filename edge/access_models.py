"""The JSON shapes of sign-in, API keys and the audit trail (OpenAPI document and validation)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RoleName = Literal["viewer", "analyst", "admin", "service"]


class SessionOut(BaseModel):
    actor: str = Field(description='Who the credential is: "key:<id>" or "token:<subject>".')
    roles: list[RoleName]
    access_control: bool = Field(description="False only when the platform runs with access control off.")
    allowed: list[str] = Field(
        description='Every route these roles may use, as "METHOD /path" (e.g. "POST /api/keys"); the console '
        "hides the rest."
    )


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="What the key is for, e.g. checkout-service.")
    role: RoleName


class ApiKeyOut(BaseModel):
    id: str
    name: str
    role: RoleName
    prefix: str = Field(description="The key's first characters, to recognise it by.")
    created_at: str | None
    created_by: str
    revoked_at: str | None = Field(description="Null while the key is valid.")


class CreatedKeyOut(BaseModel):
    api_key: ApiKeyOut
    key: str = Field(description="The key itself, shown this once: send it as 'Authorization: Bearer <key>'.")


class ApiKeysOut(BaseModel):
    api_keys: list[ApiKeyOut]


class RevokedKeyOut(BaseModel):
    api_key: ApiKeyOut


class AuditEventOut(BaseModel):
    id: int
    at: str | None
    actor: str
    role: str
    action: str = Field(description="e.g. transaction.label, model.activate, api_key.create, dead_letter.replay")
    target: str
    before: Any = Field(description="The state before the change (JSON), or null.")
    after: Any = Field(description="The state after the change (JSON), or null.")
    trace_id: str
    client_address: str


class AuditPageOut(BaseModel):
    events: list[AuditEventOut]
    next_page_token: str = Field(description="Empty on the last page.")
