"""The platform under chaos: a private one started by the same code as `make up` (bench.stack's
OwnPlatform, fraudctl.runtime.platform), with scoring's link to store running through a proxy so that
the network between them can be slowed and cut, and a keeper thread that restarts whatever dies, as
`fraudctl up`'s loop does."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from bench.stack import OwnPlatform
from fraudctl.runtime.keeping import POLL_SECONDS, CannotKeepUp
from fraudctl.runtime.platform import Platform
from fraudctl.runtime.services import ServiceSupervisor

log = logging.getLogger(__name__)


@dataclass
class RoutedSupervisor(ServiceSupervisor):
    """Services as fraudctl runs them, except that some reach a peer at another address (a proxy)."""

    routes: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> environment overrides

    def environment(self, name: str, instance: str = "") -> dict[str, str]:
        return {**super().environment(name, instance), **self.routes.get(name, {})}


class RoutedPlatform(Platform):
    """fraudctl's Platform, its services run by the routed supervisor."""

    supervisor_class = RoutedSupervisor

    def __init__(self, own: OwnPlatform, routes: dict[str, dict[str, str]]):
        super().__init__(own.config)
        self.supervisor_options = {"routes": routes}


@dataclass
class Restart:
    name: str
    at: float  # monotonic time the keeper noticed the part had stopped
    ready: float  # when it was serving again
    ending: str


class Keeper:
    """Calls `restart_dead` as often as `fraudctl up` does, on a thread of its own (a restart blocks
    until the part serves, which must not stall the event loop that measures), and records every restart."""

    def __init__(self, platform: Platform, interval_s: float = POLL_SECONDS):
        self._platform = platform
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.restarts: list[Restart] = []
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="chaos-keeper", daemon=True)

    def __enter__(self) -> Keeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            noticed = time.monotonic()
            try:
                restarted = self._platform.restart_dead()
            except CannotKeepUp as error:
                log.error("%s", error)
                self.failure = error
                return
            with self._lock:
                for name, ending in restarted.items():
                    log.warning("keeper: %s had stopped (it %s) and serves again", name, ending)
                    self.restarts.append(Restart(name, noticed, time.monotonic(), ending))

    def restarts_since(self, moment: float) -> list[Restart]:
        with self._lock:
            return [restart for restart in self.restarts if restart.at >= moment]

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(120)
