"""Delivering one scored batch: set aside what scoring could not decide, store, set aside what store
refused, publish (after the batch before it), set aside what notify refused.

Each step is done once: a try that failed transiently (PeerUnavailable, or Kafka not taking the dead
letters) is tried again later by the caller (scoring_svc.holding) from the step that failed, so a
held batch is not stored again, nor a letter produced again, once they were acknowledged. A
decision store refused is not published: subscribers see only what the store keeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from fraudmesh.dead_letters import DeadLetterProducer
from fraudmesh.errors import Unavailable
from fraudmesh.timestamps import timestamp_of
from scoring_svc.failures import Refusal
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.peers import NotifyPeer, StorePeer
from scoring_svc.scored_batch import ScoredBatch


class BatchDelivery:
    def __init__(
        self,
        batch: ScoredBatch,
        store: StorePeer,
        notify: NotifyPeer,
        dead_letters: DeadLetterProducer,
        previous: asyncio.Task | None,
        clock: Callable[[], datetime],
        metrics: ScoringMetrics | None = None,
    ) -> None:
        self.batch = batch
        self._store = store
        self._notify = notify
        self._dead_letters = dead_letters
        self._previous = previous
        self._clock = clock
        self._metrics = metrics
        self._unsent = list(batch.set_aside)  # letters Kafka has not acknowledged yet
        self._stored = False
        self._published = False

    async def attempt(self) -> None:
        """One try, from the first step not done yet."""
        await self._send_letters()
        decisions = self.batch.decisions
        if not self._stored:
            if decisions.decisions:
                self._set_aside(await self._store.store(decisions), "store_refused", "store")
            self._stored = True
            await self._send_letters()
        if not self._published:
            if self._previous is not None:
                # Publish in batch order, so subscribers see each user's decisions in order. Whatever
                # became of the batch before, this one's decisions are stored and go out.
                await asyncio.wait([self._previous])
            if decisions.decisions:
                published_at = timestamp_of(self._clock())
                for decision in decisions.decisions:
                    decision.times.published_at.CopyFrom(published_at)
                self._set_aside(await self._notify.publish(decisions), "notify_refused", "notify")
            self._published = True
            await self._send_letters()

    async def _send_letters(self) -> None:
        if self._unsent:
            self._unsent = await self._dead_letters.send_each(self._unsent)
            if self._unsent:
                raise Unavailable(f"Kafka did not take {len(self._unsent)} dead letters")

    def _set_aside(self, refusals: Sequence[Refusal], reason: str, stage: str) -> None:
        """Takes the refused decisions out of the batch (so they go no further) into letters."""
        if not refusals:
            return
        at = self._clock()
        by_index = {refusal.index: refusal for refusal in refusals}  # an item refused twice goes once
        for refusal in sorted(by_index.values(), key=lambda r: r.index, reverse=True):
            self._unsent.append(self.batch.take_out(refusal.index, reason, refusal.status, refusal.attempts, at))
        if self._metrics:
            self._metrics.transactions_failed.labels(stage=stage).inc(len(by_index))
