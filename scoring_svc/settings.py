"""scoring_svc's settings (environment variables, upper-case names of the fields)."""

from __future__ import annotations

import pathlib

from fraud.v1 import notify_service_pb2, scoring_service_pb2, store_service_pb2
from pydantic import Field

from fraudmesh.access.settings import AccessSettings
from fraudmesh.contract import listen_address, local_address
from fraudmesh.kafka_topics import DEAD_LETTERS, SCORING_CONTROL
from fraudmesh.settings import (
    GrpcTlsSettings,
    KafkaSettings,
    LabelsTopicSettings,
    ServiceSettings,
    TransactionsTopicSettings,
)

REPO = pathlib.Path(__file__).resolve().parents[1]


class ScoringSettings(
    ServiceSettings, AccessSettings, GrpcTlsSettings, KafkaSettings, TransactionsTopicSettings, LabelsTopicSettings
):
    scoring_listen: str = Field(
        listen_address(scoring_service_pb2.DESCRIPTOR.services_by_name["ScoringService"]),
        description="Address the gRPC server binds.",
    )
    metrics_port: int = Field(9102, ge=0, le=65535, description="Prometheus /metrics port; 0 picks a free one.")
    store_address: str = Field(
        local_address(store_service_pb2.DESCRIPTOR.services_by_name["StoreService"]),
        description="store_svc's gRPC address.",
    )
    notify_address: str = Field(
        local_address(notify_service_pb2.DESCRIPTOR.services_by_name["NotifyService"]),
        description="notify_svc's gRPC address.",
    )
    consumer_group: str = Field("scoring", description="Kafka consumer group; instances in one group share partitions.")
    consumer_instance_id: str | None = Field(
        None,
        min_length=1,
        max_length=249,
        description="This instance's static member name in the consumer group (KIP-345): the same across its "
        "restarts, different from every other instance's. A restarted instance takes its partitions back at once "
        "instead of after the dead one's session; unset, it joins as a dynamic member.",
    )
    consumer_session_timeout_ms: int = Field(
        10_000,
        ge=6_000,  # the broker's default group.min.session.timeout.ms
        le=300_000,
        description="How long the group waits for a silent member before handing its partitions on: an "
        "instance killed and not started again, or a static member that stopped for good (it does not leave).",
    )
    models_dir: pathlib.Path = Field(REPO / "models", description="Folder of model version folders.")
    active_model_version: str | None = Field(
        None,
        description="Version to serve while the scoring control topic holds no model choice (ActivateModel); unset means the newest.",
    )
    shadow_model_version: str | None = Field(
        None,
        description="Version scored beside the active one, not deciding, while the scoring control topic holds no model choice.",
    )
    scoring_control_topic: str = Field(
        SCORING_CONTROL.name,
        description="Compacted topic of the model choice every scoring instance follows (ActivateModel writes it).",
    )
    dead_letters_topic: str = Field(
        DEAD_LETTERS.name, description="Topic where records that can never be decided are set aside, with why."
    )
    review_threshold: float | None = Field(None, ge=0, le=1, description="Overrides the model's review threshold.")
    decline_threshold: float | None = Field(None, ge=0, le=1, description="Overrides the model's decline threshold.")
    max_batch: int = Field(500, ge=1, le=5000, description="Most records scored, stored and published as one batch.")
    poll_timeout_ms: int = Field(100, ge=1, description="How long an empty poll waits for records.")
    fetch_max_wait_ms: int = Field(
        20,
        ge=0,
        le=1000,
        description="Longest Kafka holds a fetch with less than FETCH_MIN_BYTES: at low rates, the most a record waits there.",
    )
    fetch_min_bytes: int = Field(
        65536,
        ge=1,
        description="Bytes Kafka gathers before it answers a fetch: under load, fewer and larger fetches and batches.",
    )
    commit_interval_ms: int = Field(
        100,
        ge=0,
        le=10_000,
        description="Delivered offsets are committed at most this often (0: after every batch); a crash re-reads at most this much more.",
    )
    drift_window: int = Field(
        10_000,
        ge=100,
        le=1_000_000,
        description="Most recent scored transactions the score's and features' population stability is measured over.",
    )
    drift_min_transactions: int = Field(
        1000,
        ge=1,
        description="Transactions the drift window needs before population stability is reported (fewer give noise).",
    )
    warm_history_limit: int = Field(
        500, ge=0, le=1000, description="Past transactions read from store_svc to warm a user met for the first time."
    )
    peer_attempts: int = Field(
        4,
        ge=1,
        le=20,
        description="Calls to store_svc or notify_svc for one batch (with backoff and jitter) before it is held (transient failures) or its records are tried one at a time (INTERNAL, UNKNOWN).",
    )
    hold_retry_max_seconds: float = Field(
        # One batch call per try: cheap enough against a peer that is away, and a peer back is used
        # within 2 s (10 s here added up to 10 s to every recovery of store or its link).
        2.0,
        gt=0,
        le=300,
        description="Longest wait between tries of a held batch; consumption goes on by itself at most this long after the peer is back.",
    )
    rule_poll_seconds: float = Field(
        2.0,
        gt=0,
        le=60,
        description="How often the analysts' rule set's version is read from store; a change loads it.",
    )
    lag_interval_seconds: float = Field(
        5.0, gt=0, le=300, description="How often the consumer lag is measured from the broker."
    )
    max_customers: int = Field(
        2_000_000,
        # A batch's customers (at most MAX_BATCH, 5,000) must all stay held from their warming to their
        # scoring: eviction takes the least recently seen 5%, never the newest half of this bound.
        ge=10_000,
        description="Most customers whose feature state one instance holds (about 1 KiB each: 2,000,000 is "
        "about 2 GiB); beyond it the least recently seen 5% are forgotten at once, and one who comes back is "
        "warmed again from store_svc's history like any customer met first, so their features stay right.",
    )
