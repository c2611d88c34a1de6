"""How many decision WebSockets may be open at once: in total (WEBSOCKET_MAX_CLIENTS), and per
credential (WEBSOCKET_MAX_PER_CREDENTIAL). Each client's stream costs a queue of up
to WEBSOCKET_QUEUE_SIZE decisions and a share of every decision's fan-out, so without a bound enough
connections would take the edge's memory and CPU from everyone.

A connection is counted from `acquire` to `release`; one refused is counted in `refused` (the route
closes it with 1013, try again later). The route names who is connecting by the credential's actor
("key:<id>", "token:<subject>"); with access control off, `client_key` gives everyone one name."""

from __future__ import annotations

from collections import Counter

from starlette.websockets import WebSocket

ANYONE = ""  # the key of every connection until credentials tell callers apart


def client_key(websocket: WebSocket) -> str:
    """Who is connecting when access control is off and no credential tells callers apart."""
    return ANYONE


class ConnectionLimiter:
    def __init__(self, max_total: int | None, max_per_client: int | None = None) -> None:
        """None: no bound."""
        if max_total is not None and max_total < 1:
            raise ValueError(f"max_total must be at least 1, got {max_total}")
        if max_per_client is not None and max_per_client < 1:
            raise ValueError(f"max_per_client must be at least 1, got {max_per_client}")
        self.max_total = max_total
        self.max_per_client = max_per_client
        self._by_client: Counter[str] = Counter()
        self.active = 0
        self.refused = 0

    def acquire(self, client_key: str = ANYONE) -> bool:
        """Counts a new connection of this client in, or refuses it (False) when a limit is reached.
        ANYONE (no credential tells callers apart) is bound by the total alone."""
        over_client = (
            client_key != ANYONE
            and self.max_per_client is not None
            and self._by_client[client_key] >= self.max_per_client
        )
        if self._full() or over_client:
            self.refused += 1
            return False
        self.active += 1
        self._by_client[client_key] += 1
        return True

    def release(self, client_key: str = ANYONE) -> None:
        """Counts out a connection `acquire` let in."""
        if self._by_client[client_key] <= 0:
            raise RuntimeError(f"release without acquire for client {client_key!r}")
        self.active -= 1
        self._by_client[client_key] -= 1
        if not self._by_client[client_key]:
            del self._by_client[client_key]

    def _full(self) -> bool:
        return self.max_total is not None and self.active >= self.max_total

    def open_for(self, client_key: str) -> int:
        return self._by_client.get(client_key, 0)

    def refusal(self, client_key: str = ANYONE) -> str:
        """Why a connection was refused, for the close frame's reason."""
        if self._full():
            return f"too many clients: WEBSOCKET_MAX_CLIENTS={self.max_total} reached; try again later"
        return (
            f"too many clients for this credential: WEBSOCKET_MAX_PER_CREDENTIAL={self.max_per_client}; try again later"
        )
