"""The JSON shapes of rules and lists (OpenAPI document and validation). Enum values are the
contract's stems, as for decisions: `DECLINE`, `SHADOW`, `BLOCK`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RuleActionName = Literal["APPROVE", "REVIEW", "DECLINE", "ADD_SCORE"]
RuleStatusName = Literal["ACTIVE", "SHADOW", "DISABLED"]
RuleListKindName = Literal["ALLOW", "BLOCK", "REFERENCE"]
ListName = Field(min_length=1, max_length=64, pattern="^[a-z_][a-z0-9_]*$")


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expression: str = Field(
        min_length=1,
        max_length=4000,
        description='CEL over tx, features, score and lists, e.g. tx.amount > 900.0 && tx.channel == "CARD_NOT_PRESENT".',
    )
    action: RuleActionName
    score_delta: float = Field(0.0, ge=-1.0, le=1.0, description="Only with ADD_SCORE: what it adds to the score.")
    priority: int = Field(100, ge=0, le=1_000_000, description="Lower runs first.")
    status: RuleStatusName = "ACTIVE"


class RuleUpdateIn(RuleIn):
    expected_version: int | None = Field(
        None,
        ge=1,
        le=2_147_483_647,
        description="The version the caller read; 409 `aborted` when the rule has changed since.",
    )


class RuleOut(BaseModel):
    id: str
    name: str
    expression: str
    action: RuleActionName
    score_delta: float
    priority: int
    status: RuleStatusName
    version: int = Field(description="The revision, from 1.")
    created_by: str
    created_at: str | None
    updated_by: str
    updated_at: str | None


class RuleRevisionOut(BaseModel):
    version: int
    name: str
    expression: str
    action: RuleActionName
    score_delta: float
    priority: int
    status: RuleStatusName
    change: Literal["create", "update", "delete"]
    changed_by: str
    changed_at: str | None


class RulesOut(BaseModel):
    rules: list[RuleOut]
    rule_set_version: int


class RuleWithHistoryOut(BaseModel):
    rule: RuleOut
    revisions: list[RuleRevisionOut] = Field(description="Newest first.")


class OneRuleOut(BaseModel):
    rule: RuleOut


class RuleSetVersionOut(BaseModel):
    version: int
    changed_at: str | None


class RuleListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ListName
    kind: RuleListKindName
    field: str | None = Field(
        None, max_length=32, pattern="^[a-z_]*$", description="ALLOW and BLOCK: the transaction field it matches."
    )
    description: str = Field("", max_length=500)


class RuleListOut(BaseModel):
    name: str
    kind: RuleListKindName
    field: str | None
    description: str
    size: int
    created_by: str
    created_at: str | None


class RuleListsOut(BaseModel):
    lists: list[RuleListOut]


class OneRuleListOut(BaseModel):
    list: RuleListOut


class ListEntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: list[str] = Field(min_length=1, max_length=10_000)


class ListEntriesOut(BaseModel):
    values: list[str]
    next_page_token: str = Field(description="Empty on the last page.")


class ListEntriesChangedOut(BaseModel):
    changed: int = Field(description="How many values were added (or removed).")
    list: RuleListOut


class DeletedOut(BaseModel):
    deleted: str = Field(description="The rule's id, or the list's name.")


class RulePreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: str = Field(min_length=1, max_length=4000, description="The draft's CEL expression.")
    action: RuleActionName
    score_delta: float = Field(0.0, ge=-1.0, le=1.0, description="Only with ADD_SCORE: what it adds to the score.")
    priority: int = Field(100, ge=0, le=1_000_000, description="Where it would sit among the active rules.")
    days: int = Field(7, ge=1, le=30, description="How many days of stored decisions, back from now.")


class PreviewedTransactionOut(BaseModel):
    id: str
    user_id: str
    merchant_id: str
    amount: float
    currency: str
    occurred_at: str | None
    score: float
    label: Literal["fraud", "legitimate"] | None
    decision_without: Literal["APPROVE", "REVIEW", "DECLINE"]
    decision_with: Literal["APPROVE", "REVIEW", "DECLINE"]


class RulePreviewOut(BaseModel):
    days: int
    since: str | None = Field(description="The window's start.")
    scanned: int = Field(description="Stored decisions evaluated.")
    truncated: bool = Field(description="The window held more than the limit: the newest were evaluated.")
    matched: int
    reviews_without: int = Field(description="Reviews under the active rules and thresholds now, without the draft.")
    reviews_with: int
    declines_without: int
    declines_with: int
    frauds_matched: int = Field(description="Transactions labelled fraud that the draft matches.")
    frauds: list[PreviewedTransactionOut] = Field(description="A sample of them, newest first.")
    legitimate_matched: int = Field(description="Transactions labelled legitimate or unlabelled that it matches.")
    legitimate: list[PreviewedTransactionOut] = Field(description="A sample of them, newest first.")
    rule_set_version: str
