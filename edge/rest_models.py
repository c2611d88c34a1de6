"""The REST API's JSON shapes as pydantic models: they validate request bodies and document every
field in /docs. The console (web/src/api/types.ts) is built against exactly these shapes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from edge.traffic_control import DEFAULT_USERS, MAX_RATE_PER_SECOND, MAX_RUN_SECONDS, MAX_USERS
from fraudmesh.conversions.rest import UNICODE_RULE, is_unicode

ChannelName = Literal["card_present", "card_not_present", "contactless", "atm"]
DecisionName = Literal["APPROVE", "REVIEW", "DECLINE"]
LabelName = Literal["fraud", "legitimate"]


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: str | None = Field(None, description="Free-text city name.", examples=["Lisbon"])
    country: str | None = Field(None, description="Free-text country name or code.", examples=["PT"])
    lat: float | None = Field(None, description="Latitude in degrees, -90..90.", examples=[38.72])
    lon: float | None = Field(None, description="Longitude in degrees, -180..180.", examples=[-9.14])


def _location_kind(value: Any) -> str:
    return "location_city" if isinstance(value, str) else "location_object"


# A bare string is the city, as the original clients send it; an object may add country and coordinates.
LocationField = Annotated[
    Annotated[str, Tag("location_city")] | Annotated[LocationIn, Tag("location_object")],
    Discriminator(_location_kind),
]


class TransactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(description="The paying customer's id.", examples=["user-42"])
    amount: Decimal = Field(
        description="Amount in major units (19.99 dollars), as a JSON number or a decimal string; at most as "
        "many decimals as the currency has.",
        examples=["19.99"],
    )
    currency: str | None = Field(None, description="ISO 4217 code; default USD.", examples=["USD"])
    location: LocationField | None = Field(
        None, description='Where the payment happened: a city name ("Lisbon") or an object.'
    )
    merchant_id: str | None = Field(None, description="The merchant's id.", examples=["m-1001"])
    channel: ChannelName | None = Field(None, description="How the card met the merchant.")
    occurred_at: datetime | None = Field(
        None,
        description="Event time, ISO 8601; without an offset it is UTC. Default: when ingest received it. "
        "At most five minutes in the future.",
    )
    idempotency_key: str | None = Field(
        None,
        description="A repeated key returns the first transaction's id and is not processed twice. The "
        "Idempotency-Key header does the same.",
    )


class TransactionBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transactions: list[TransactionIn] = Field(
        min_length=1, max_length=1000, description="1 to 1000 transactions; all are accepted or none."
    )


def _unicode(text: str) -> str:
    if not is_unicode(text):
        raise PydanticCustomError(*UNICODE_RULE)
    return text


# Text a body's field goes into a protobuf string with, unchecked on the way: refused here, under the
# rule fraudmesh.conversions.rest names (TransactionIn's fields are checked there, with the contract's).
UnicodeText = Annotated[str, AfterValidator(_unicode)]


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: LabelName = Field(description="The analyst's verdict.")
    analyst: UnicodeText | None = Field(None, description="Who labelled it; no control characters.", examples=["alice"])


class SubmitAccepted(BaseModel):
    id: str = Field(description="The transaction's id.")
    status: Literal["pending"] = "pending"
    duplicate: bool = Field(description="True when the idempotency key was seen before: this is the first id.")
    received_at: str | None = Field(description="When ingest received it, RFC 3339.")


class SubmitPending(BaseModel):
    id: str
    status: Literal["pending"] = "pending"


class LocationOut(BaseModel):
    city: str
    country: str
    lat: float | None
    lon: float | None


class ReasonOut(BaseModel):
    feature: str
    text: str
    contribution: float = Field(description="How much this feature pushed the score up.")


class ShadowScoreOut(BaseModel):
    model_version: str
    score: float
    decision: DecisionName


class StageTimesOut(BaseModel):
    received_at: str | None
    scored_at: str | None
    stored_at: str | None
    published_at: str | None


class DecisionOut(BaseModel):
    """One scored transaction, as GET responses and the WebSocket carry it."""

    id: str
    user_id: str
    amount: float = Field(description="Major units (19.99).")
    currency: str
    location: LocationOut
    merchant_id: str
    channel: str = Field(description="card_present, card_not_present, contactless, atm, or empty.")
    time: str | None = Field(description="When it occurred (event time), RFC 3339.")
    received_at: str | None
    is_fraud: bool
    score: float = Field(description="Calibrated fraud probability, 0..1.")
    decision: DecisionName
    reasons: list[ReasonOut] = Field(
        description='Why: features, and the rules that fired ("rule:<id>") or would have in shadow ("shadow_rule:<id>").'
    )
    model_version: str
    rule_set_version: str = Field(description="The analysts' rule set it was decided with; empty without one.")
    features: dict[str, float] = Field(description="Feature values the model saw, by name.")
    label: LabelName | None
    labelled_at: str | None
    shadow_scores: list[ShadowScoreOut]
    trace_id: str = Field(description="W3C trace id, hex; empty when untraced.")
    times: StageTimesOut


class DecidedOut(DecisionOut):
    status: Literal["decided"] = "decided"


class BatchResultOut(BaseModel):
    id: str
    duplicate: bool
    received_at: str | None


class BatchOut(BaseModel):
    results: list[BatchResultOut] = Field(description="One per submitted transaction, in order.")


class TransactionPageOut(BaseModel):
    transactions: list[DecisionOut]
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page.")


class StatsOut(BaseModel):
    total: int
    approved: int
    reviewed: int
    declined: int
    labelled_fraud: int
    labelled_legitimate: int
    mean_score: float


class ModelOut(BaseModel):
    version: str
    active: bool
    shadow: bool
    created_at: str | None
    feature_names: list[str]
    review_threshold: float
    decline_threshold: float
    metrics: dict[str, float]


class ModelsOut(BaseModel):
    models: list[ModelOut]


class ActivatedOut(BaseModel):
    model: ModelOut


class ShadowStoppedOut(BaseModel):
    model: ModelOut = Field(description="The version, no longer the shadow.")


class PopulationStabilityOut(BaseModel):
    name: str = Field(description='"score", or a feature\'s name.')
    index: float = Field(
        description="Population stability index: below 0.1 stable, 0.1 to 0.25 moving, above 0.25 shifted."
    )


class ModelDriftOut(BaseModel):
    model_version: str = Field(description="The active model the window belongs to; empty when it is not watched.")
    window_transactions: int = Field(description="Scored transactions in the window now.")
    window_capacity: int
    min_transactions: int = Field(description="Transactions the window needs before `stability` is given.")
    stability: list[PopulationStabilityOut] = Field(description="The score first, then each feature.")


class ConfigOut(BaseModel):
    jaeger_url: str = Field(description="Base URL of the Jaeger UI; empty when tracing is not shown.")
    zipkin_url: str = Field("", description="Base URL of a Zipkin UI with the same traces; empty when there is none.")
    oidc_issuer: str = Field(
        "",
        description="Issuer the console offers to sign in with (authorization code flow, PKCE); empty: API keys only.",
    )
    oidc_client_id: str = Field("", description="The console's client id at that issuer; empty when oidc_issuer is.")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    services: dict[str, str] = Field(description="grpc.health.v1 status of each upstream, or the error reaching it.")


class ViolationOut(BaseModel):
    field: str = Field(description="Dotted REST path of the field, e.g. amount or transactions[2].currency.")
    rule: str = Field(description="The rule it broke, e.g. int64.gt, missing, float_parsing.")
    message: str


class ErrorOut(BaseModel):
    error: str = Field(description="invalid_argument, not_found, unavailable, payload_too_large, ...")
    message: str
    violations: list[ViolationOut] = Field(default_factory=list)


# The error answers most routes document: input refused naming the field, an upstream unavailable.
INVALID: dict[int | str, dict[str, Any]] = {422: {"model": ErrorOut}}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"model": ErrorOut}}


class DeadLetterErrorOut(BaseModel):
    code: str = Field(description="The gRPC status code the hop ended with, e.g. INVALID_ARGUMENT.")
    message: str
    violations: list[ViolationOut] = Field(default_factory=list)


class DeadLetterSourceOut(BaseModel):
    topic: str
    partition: int
    offset: int


class DeadLetterOut(BaseModel):
    """A record one hop could never accept or process, set aside with its original bytes."""

    id: str
    hop: str = Field(description="Which hop set it aside: scoring, store or notify.")
    reason: str = Field(description="Why, in a word: undecodable, scoring_failed, store_refused, notify_refused.")
    error: DeadLetterErrorOut
    attempts: int
    source: DeadLetterSourceOut
    transaction_id: str
    trace_id: str
    failed_at: str | None
    replayed_at: str | None
    replay_count: int
    payload_base64: str | None = Field(None, description="The original record's bytes (one dead letter only).")
    transaction: dict[str, Any] | None = Field(
        None, description="The original record read as a fraud.v1.Transaction, when it is one (one dead letter only)."
    )


class DeadLetterPageOut(BaseModel):
    dead_letters: list[DeadLetterOut]
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page.")
    total: int = Field(description="How many there are in all with these filters.")


class DeadLetterReplayOut(BaseModel):
    dead_letter: DeadLetterOut
    transaction_id: str = Field(description="The transaction that went back through ingest.")


class CityOut(BaseModel):
    name: str
    country: str = Field(description="ISO 3166 alpha-2 code.")
    lat: float
    lon: float


class CitiesOut(BaseModel):
    cities: list[CityOut] = Field(description="Cities whose name starts with the prefix, most populous first.")


class TrafficIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float = Field(
        gt=0, le=MAX_RATE_PER_SECOND, description=f"Transactions per second, above 0, at most {MAX_RATE_PER_SECOND:g}."
    )
    users: int | None = Field(
        None, ge=1, le=MAX_USERS, description=f"Generated cardholders, 1 to {MAX_USERS}; default {DEFAULT_USERS}."
    )


class TrafficOut(BaseModel):
    running: bool
    rate: float = Field(description="Transactions per second of the current or last run.")
    users: int = Field(description="Generated cardholders of the current or last run.")
    sent: int = Field(description="Transactions ingest accepted in the current or last run.")
    errors: int = Field(
        description="Transactions ingest refused or could not take, or scoring could not generate, in that run."
    )
    started_at: str | None
    stops_at: str | None = Field(
        description=f"When the run stops by itself (a run lasts at most {MAX_RUN_SECONDS:g} s)."
    )
    last_error: str = Field(description="The latest failure, from ingest or scoring, empty if none.")
