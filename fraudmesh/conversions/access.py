"""API keys and audit events as the REST API shows them."""

from __future__ import annotations

import json
from typing import Any

from fraud.v1 import access_service_pb2

from fraudmesh.access.declarations import role_name
from fraudmesh.conversions.time import optional_rfc3339


def api_key_object(key: access_service_pb2.ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": role_name(key.role),
        "prefix": key.prefix,
        "created_at": optional_rfc3339(key, "created_at"),
        "created_by": key.created_by,
        "revoked_at": optional_rfc3339(key, "revoked_at"),
    }


def audit_event_object(event: access_service_pb2.AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": optional_rfc3339(event, "at"),
        "actor": event.actor,
        "role": role_name(event.role),
        "action": event.action,
        "target": event.target,
        "before": json.loads(event.before) if event.before else None,
        "after": json.loads(event.after) if event.after else None,
        "trace_id": event.trace_id,
        "client_address": event.client_address,
    }
