"""How a scoring instance joins the transactions' consumer group.

With CONSUMER_INSTANCE_ID it is a static member (KIP-345): a process started again under the same
name takes its predecessor's place and partitions as soon as it joins, with no rebalance, so a
`kill -9` costs the restart and not also the dead member's session. Without it, a dynamic member:
the partitions of one that died without leaving (kill -9) wait until its session expires.

The price of static membership: a static member that stops does not leave the group (aiokafka,
like Kafka's own clients, sends no LeaveGroup for one), so the partitions of an instance removed for
good move on only when its session expires, CONSUMER_SESSION_TIMEOUT_MS after it stopped."""

from __future__ import annotations

from typing import Any

from scoring_svc.settings import ScoringSettings

# Kafka's advice: heartbeats at most a third of the session, so that two may be lost before the
# member is taken for dead.
HEARTBEATS_PER_SESSION = 3
HEARTBEAT_MAX_MS = 3_000  # aiokafka's default: more often buys nothing, the session decides


def membership(settings: ScoringSettings) -> dict[str, Any]:
    """AIOKafkaConsumer's keyword arguments for the group: its name, the static member name, if any,
    and the session with its heartbeat."""
    session_ms = settings.consumer_session_timeout_ms
    return {
        "group_id": settings.consumer_group,
        "group_instance_id": settings.consumer_instance_id,
        "session_timeout_ms": session_ms,
        "heartbeat_interval_ms": min(HEARTBEAT_MAX_MS, session_ms // HEARTBEATS_PER_SESSION),
    }
