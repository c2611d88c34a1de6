"""The JSON shapes of the case queue (OpenAPI document and validation)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edge.rest_models import DecisionOut, LabelName, UnicodeText

CaseStatusName = Literal["open", "investigating", "closed_fraud", "closed_legitimate"]
CaseOrderName = Literal["oldest", "newest", "score"]


class CaseOut(BaseModel):
    id: str = Field(description="The id of the transaction whose REVIEW decision opened the case.")
    status: CaseStatusName
    assignee: str = Field(description='Who works on it ("key:<id>", "token:<subject>"); empty when nobody does.')
    opened_at: str | None = Field(description="When the case opened, RFC 3339; its age counts from here.")
    updated_at: str | None = Field(description="The last change of status or assignee.")
    closed_by: str = Field(description="Who closed it; empty while it is open.")
    closed_at: str | None
    user_id: str
    merchant_id: str
    score: float
    occurred_at: str | None = Field(description="When the transaction occurred (event time).")
    label: LabelName | None = Field(description="The transaction's label now.")


class CaseNoteOut(BaseModel):
    id: int
    author: str
    text: str
    written_at: str | None


class CasePageOut(BaseModel):
    cases: list[CaseOut]
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page.")


class CaseDetailOut(BaseModel):
    case: CaseOut
    transaction: DecisionOut
    notes: list[CaseNoteOut] = Field(description="Oldest first; the most recent 200 when there are more.")


class CaseOnlyOut(BaseModel):
    case: CaseOut


class CaseClosedOut(BaseModel):
    case: CaseOut
    transaction: DecisionOut = Field(description="With the label the case gave it.")


class NoteAddedOut(BaseModel):
    note: CaseNoteOut


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: UnicodeText | None = Field(
        None, max_length=200, description="Who takes the case; default: the caller.", examples=["key:ab12cd34ef"]
    )


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000, description="The note; line breaks allowed.")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: CaseStatusName = Field(
        description="closed_fraud and closed_legitimate label the transaction so; reopening keeps the label."
    )
