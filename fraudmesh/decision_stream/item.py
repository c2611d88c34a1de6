"""What the hub needs of one decision it carries.

Each service brings its own item (notify_svc the proto it relays, the edge a lazily rendered
WebSocket frame); the hub reads only these attributes. The filter reads them once per subscriber
and decision, so they are plain attributes taken from the proto once, not proto lookups.
"""

from __future__ import annotations

from typing import Protocol


class StreamItem(Protocol):
    @property
    def sequence(self) -> int:
        """Increasing from 1 in the numbering of whoever publishes the stream."""

    @property
    def transaction_id(self) -> str: ...

    @property
    def decision(self) -> int:
        """A fraud.v1.Decision value."""

    @property
    def user_id(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def is_fraud(self) -> bool: ...
