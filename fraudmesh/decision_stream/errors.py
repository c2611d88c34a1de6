"""The one way a subscription fails; the shared interceptor maps it to its gRPC status code."""

from __future__ import annotations

import grpc

from fraudmesh.errors import DomainError


class SubscriberTooSlow(DomainError):
    """The subscriber's queue filled up; it was cut off so the publisher and the others go on."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, queue_size: int, resume_after: int):
        self.queue_size = queue_size
        self.resume_after = resume_after
        super().__init__(f"subscriber too slow: queue of {queue_size} full; resume from sequence {resume_after}")
