"""notify_svc's settings (environment variables, upper-case names of the fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from buf.validate import validate_pb2
from fraud.v1 import notify_service_pb2
from pydantic import Field

from fraudmesh.access.settings import AccessSettings
from fraudmesh.contract import listen_address
from fraudmesh.kafka_topics import DECISIONS
from fraudmesh.settings import GrpcTlsSettings, KafkaSettings, ServiceSettings

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FieldOptions
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor

# protoc's .pyi declares the extension as a plain FieldDescriptor; `Extensions[...]` is typed for the
# extension's options message and value, which the .proto says.
_FIELD_RULES = cast("_ExtensionFieldDescriptor[FieldOptions, validate_pb2.FieldRules]", validate_pb2.field)


def _max_publish_batch() -> int:
    """The largest batch PublishDecisions accepts, read from the contract so the two cannot drift."""
    field = notify_service_pb2.PublishDecisionsRequest.DESCRIPTOR.fields_by_name["decisions"]
    return field.GetOptions().Extensions[_FIELD_RULES].repeated.max_items


# One publish puts a whole batch into every matching queue before any subscriber runs, so a queue
# smaller than a batch would cut off even a subscriber that keeps up; and a retained window smaller
# than a batch could not de-duplicate the batch scoring re-publishes after a crash.
MAX_PUBLISH_BATCH = _max_publish_batch()


class NotifySettings(ServiceSettings, AccessSettings, GrpcTlsSettings, KafkaSettings):
    notify_listen: str = Field(
        listen_address(notify_service_pb2.DESCRIPTOR.services_by_name["NotifyService"]),
        description="Address the gRPC server binds.",
    )
    metrics_port: int = Field(9104, ge=0, le=65535, description="Prometheus /metrics port; 0 picks a free one.")
    notify_journal_topic: str = Field(
        DECISIONS.name,
        description="Kafka topic (one partition) notify journals every decision to before it fans it out: a "
        "decision's sequence number is its offset + 1, so numbering, resume and de-duplication survive restarts.",
    )
    notify_journal_timeout_ms: int = Field(
        10_000,
        ge=1000,
        description="How long a publish waits for Kafka to acknowledge its decisions and for them to be read "
        "back before the caller gets UNAVAILABLE.",
    )
    notify_retained_decisions: int = Field(
        100_000,
        ge=MAX_PUBLISH_BATCH,
        description="Newest decisions kept in memory (read back from the journal at start): a subscriber resuming "
        "within them is served from memory, an older one from the journal; a re-published transaction id "
        "among them is recognised and not delivered twice.",
    )
    notify_subscriber_queue_size: int = Field(
        10_000,
        ge=MAX_PUBLISH_BATCH,
        description="Decisions waiting for one subscriber; a subscriber that lets its queue fill is cut off "
        "with RESOURCE_EXHAUSTED and may resume from the sequence number the error names.",
    )
    notify_max_subscribers: int = Field(
        1_000,
        ge=1,
        description="Subscriber streams (SubscribeDecisions, SubscribeDecisionBatches) open at once; one more "
        "is refused with RESOURCE_EXHAUSTED and may retry once another has closed.",
    )
