"""Keeping a part of the platform up: a part whose process ended is started again, the starts of one
restart retried with exponential backoff (tenacity), repeated restarts spaced out the same way, and
a part that cannot come back or keeps dying is given up on with a message naming its log.

The parts are Kafka, PostgreSQL and each service instance; `Platform.restart_dead` and
`ServiceSupervisor.restart_dead` walk them."""

from __future__ import annotations

import logging
import pathlib
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tenacity import Retrying, before_sleep_log, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

# How often the keeper looks for a part that stopped: a look is a poll() of each process and a read
# of PostgreSQL's pid file, so twice a second costs nothing and shortens every restart.
POLL_SECONDS = 0.5

# What a failed start raises: our own RuntimeError (port taken, process exited), a readiness wait
# running out, a tool exiting non-zero (pg_ctl), or the operating system refusing.
START_FAILURES = (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError)


class CannotKeepUp(RuntimeError):
    """A part that could not be started again, or keeps stopping: the platform cannot go on."""


@dataclass(frozen=True)
class RestartPolicy:
    attempts: int = 5  # starts tried for one restart before giving up on the part
    first_wait_s: float = 1.0  # between those starts, doubling up to max_wait_s
    max_wait_s: float = 15.0
    crash_loop_restarts: int = 5  # this many restarts of one part within crash_loop_window_s is a crash loop
    crash_loop_window_s: float = 600.0

    def spacing_s(self, recent_restarts: int) -> float:
        """How long after its last restart a part that stopped again is restarted: none the first
        time, then first_wait_s doubling with each restart in the window, as tenacity's
        wait_exponential spaces the starts of one restart."""
        if recent_restarts == 0:
            return 0.0
        return min(self.max_wait_s, self.first_wait_s * 2 ** (recent_restarts - 1))


@dataclass
class RestartBook:
    """When each part was restarted, for the crash-loop check, the spacing, and `fraudctl status`."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    clock: Callable[[], float] = time.monotonic
    _recent: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    last_endings: dict[str, str] = field(default_factory=dict)

    def recent(self, name: str) -> list[float]:
        now = self.clock()
        kept = [moment for moment in self._recent.get(name, []) if now - moment < self.policy.crash_loop_window_s]
        self._recent[name] = kept
        return kept

    def due(self, name: str) -> bool:
        """Whether a stopped part may be restarted now, or must wait out its spacing first."""
        recent = self.recent(name)
        return not recent or self.clock() - recent[-1] >= self.policy.spacing_s(len(recent))

    def note(self, name: str, ending: str, log_path: pathlib.Path) -> None:
        """Counts a restart of `name`; raises CannotKeepUp when that makes a crash loop."""
        recent = self.recent(name)
        if len(recent) >= self.policy.crash_loop_restarts:
            raise CannotKeepUp(
                f"{name} keeps stopping ({len(recent)} restarts in {self.policy.crash_loop_window_s:.0f} s; "
                f"last it {ending}); see {log_path}"
            )
        recent.append(self.clock())
        self.totals[name] = self.totals.get(name, 0) + 1
        self.last_endings[name] = ending


def start_with_backoff(name: str, start: Callable[[], None], log_path: pathlib.Path, policy: RestartPolicy) -> None:
    """Calls `start` until it succeeds, waiting longer after each failure; after `policy.attempts`
    failures raises CannotKeepUp naming the part's log."""
    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(multiplier=policy.first_wait_s, max=policy.max_wait_s),
        retry=retry_if_exception_type(START_FAILURES),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    try:
        retrying(start)
    except START_FAILURES as error:
        raise CannotKeepUp(
            f"{name} stopped and could not be started again ({policy.attempts} attempts; last: {error}); see {log_path}"
        ) from error
