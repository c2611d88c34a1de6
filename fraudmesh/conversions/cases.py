"""Cases and their notes as the REST API's JSON (see the edge's case_models), for the edge and fraudctl."""

from __future__ import annotations

from typing import Any

from fraud.v1 import case_service_pb2

from fraudmesh.conversions.enums import case_status_name, label_name
from fraudmesh.conversions.time import optional_rfc3339


def case_object(case: case_service_pb2.Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "status": case_status_name(case.status),
        "assignee": case.assignee,
        "opened_at": optional_rfc3339(case, "opened_at"),
        "updated_at": optional_rfc3339(case, "updated_at"),
        "closed_by": case.closed_by,
        "closed_at": optional_rfc3339(case, "closed_at"),
        "user_id": case.user_id,
        "merchant_id": case.merchant_id,
        "score": case.score,
        "occurred_at": optional_rfc3339(case, "occurred_at"),
        "label": label_name(case.label),
    }


def note_object(note: case_service_pb2.CaseNote) -> dict[str, Any]:
    return {"id": note.id, "author": note.author, "text": note.text, "written_at": optional_rfc3339(note, "written_at")}
