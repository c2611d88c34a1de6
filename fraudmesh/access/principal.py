"""Who is calling: what a verified credential says, kept for the call in a context variable so the
code that records an audit event can name the caller without every function passing it along."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    # "key:<id>", "token:<subject>" or "operator:<name>"
    actor: str
    roles: frozenset[str]
    client_address: str = ""

    @property
    def role(self) -> str:
        """The most powerful of its roles, for the audit trail."""
        for name in ("admin", "analyst", "service", "viewer"):
            if name in self.roles:
                return name
        return ""

    def with_address(self, client_address: str) -> Principal:
        return Principal(self.actor, self.roles, client_address)


current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
