"""What every route needs, built once by `create_app` and handed to each route module."""

from __future__ import annotations

from dataclasses import dataclass

from edge.decision_hub import DecisionHub
from edge.metrics import EdgeMetrics
from edge.settings import EdgeSettings
from edge.upstreams import Upstreams


@dataclass(frozen=True)
class EdgeContext:
    settings: EdgeSettings
    upstreams: Upstreams
    hub: DecisionHub
    metrics: EdgeMetrics
    # With tracing on, each submission keeps a gRPC call of its own, which carries its trace context.
    coalesce_submissions: bool = True

    @property
    def timeout(self) -> float:
        """Deadline of one unary upstream call, in seconds."""
        return self.settings.upstream_timeout_seconds
