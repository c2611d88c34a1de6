"""The model choice every scoring instance follows (scoring_svc.model_control), over a stand-in for the
one-partition control topic (the real topic is exercised end to end in tests/e2e/test_model_activation.py):
an instance is caught up once it has applied what the topic held at start, follows each new choice,
and ActivateModel answers once its choice is kept and applied."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from fraudmesh.errors import FailedPrecondition, NotFound
from fraudmodel.serving.registry import ModelRegistry
from scoring_svc.model_control import CHOICE_KEY, ModelChoice, ModelControl

TOPIC = "scoring-control"
PARTITION = TopicPartition(TOPIC, 0)


class ControlTopic:
    """The topic's one partition, read by a group-less consumer and written by the producer."""

    def __init__(self, records: list[tuple[bytes, bytes]] | None = None) -> None:
        self.records: list[ConsumerRecord] = []
        self._position = 0
        self._arrived = asyncio.Event()
        for key, value in records or []:
            self._append(key, value)

    def _append(self, key: bytes, value: bytes) -> None:
        self.records.append(ConsumerRecord(TOPIC, 0, len(self.records), 0, 0, key, value, None, 0, 0, []))
        self._arrived.set()

    # AcknowledgedProducer
    async def send(self, topic: str, records) -> None:
        assert topic == TOPIC
        for key, value in records:
            self._append(key, value)

    # AIOKafkaConsumer, without a group
    def assign(self, partitions) -> None:
        assert list(partitions) == [PARTITION]

    async def seek_to_beginning(self, partition) -> None:
        self._position = 0

    async def end_offsets(self, partitions) -> dict:
        return {PARTITION: len(self.records)}

    async def position(self, partition) -> int:
        return self._position

    async def getmany(self, partition, timeout_ms: int) -> dict:
        if self._position == len(self.records):
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout_ms / 1000)
        new, self._position = self.records[self._position :], len(self.records)
        return {PARTITION: new} if new else {}


def choice(active: str, shadow: str = "") -> tuple[bytes, bytes]:
    return CHOICE_KEY, ModelChoice(active_version=active, shadow_version=shadow).SerializeToString()


@pytest.fixture
def versions(model_dir, tmp_path) -> tuple[ModelRegistry, str, str]:
    """A registry of two versions, (registry, the default newest, an older one)."""
    newest = model_dir.name
    shutil.copytree(model_dir, tmp_path / newest)
    older = "20000101T000000Z-older"
    shutil.copytree(model_dir, tmp_path / older)
    metadata = json.loads((tmp_path / older / "metadata.json").read_text())
    metadata["created_at"] = "2000-01-01T00:00:00+00:00"
    (tmp_path / older / "metadata.json").write_text(json.dumps(metadata))
    return ModelRegistry(tmp_path), newest, older


@contextlib.asynccontextmanager
async def following(topic: ControlTopic, registry: ModelRegistry) -> AsyncIterator[ModelControl]:
    control = ModelControl(topic, topic, TOPIC, registry)  # type: ignore[arg-type]
    task = asyncio.create_task(control.run())
    try:
        async with asyncio.timeout(30):
            await control.caught_up.wait()
        yield control
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_an_empty_topic_leaves_the_settings_choice(versions):
    registry, newest, _ = versions
    async with following(ControlTopic(), registry) as control:
        assert control.applied is None
        assert registry.choice == (newest, None)


async def test_a_starting_instance_applies_the_newest_choice_kept_before_it_is_caught_up(versions):
    registry, newest, older = versions
    topic = ControlTopic([choice(newest), (b"other", b"\xff"), choice(older, shadow=newest)])
    async with following(topic, registry):
        assert registry.choice == (older, newest)


async def test_an_activation_is_kept_on_the_topic_and_applied_before_it_answers(versions):
    registry, newest, older = versions
    topic = ControlTopic()
    async with following(topic, registry) as control:
        info = await control.choose(older, shadow=False, changed_by="analyst")
        assert info.version == older and info.active
        assert registry.choice == (older, None)
        [kept] = topic.records
        assert kept.key == CHOICE_KEY
        written = ModelChoice.FromString(kept.value)
        assert (written.active_version, written.shadow_version, written.changed_by) == (older, "", "analyst")

        info = await control.choose(newest, shadow=True)
        assert info.shadow and registry.choice == (older, newest)
        assert ModelChoice.FromString(topic.records[-1].value).active_version == older


async def test_a_choice_made_elsewhere_is_followed(versions):
    registry, _, older = versions
    topic = ControlTopic()
    async with following(topic, registry):
        await topic.send(TOPIC, [choice(older)])
        async with asyncio.timeout(30):
            while registry.choice != (older, None):
                await asyncio.sleep(0.01)


async def test_activating_an_unknown_version_is_not_found_and_writes_nothing(versions):
    registry, newest, _ = versions
    topic = ControlTopic()
    async with following(topic, registry) as control:
        with pytest.raises(NotFound):
            await control.choose("no-such-version", shadow=False)
        assert topic.records == [] and registry.choice == (newest, None)


async def test_a_choice_of_a_version_this_instance_lacks_keeps_what_it_serves(versions):
    registry, newest, _ = versions
    async with following(ControlTopic([choice("only-elsewhere")]), registry) as control:
        assert control.applied is not None and control.applied.active_version == "only-elsewhere"
        assert registry.choice == (newest, None)


async def test_a_stopped_shadow_is_kept_on_the_topic_as_no_shadow_and_the_active_model_stays(versions):
    registry, newest, older = versions
    topic = ControlTopic()
    async with following(topic, registry) as control:
        await control.choose(older, shadow=True)
        assert registry.choice == (newest, older)

        info = await control.stop_shadow(older, changed_by="admin")
        assert info is not None and (info.version, info.shadow, info.active) == (older, False, False)
        assert registry.choice == (newest, None)
        written = ModelChoice.FromString(topic.records[-1].value)
        assert (written.active_version, written.shadow_version, written.changed_by) == (newest, "", "admin")


async def test_stopping_a_version_that_is_not_the_shadow_is_refused_naming_it_and_writes_nothing(versions):
    registry, newest, older = versions
    topic = ControlTopic()
    async with following(topic, registry) as control:
        with pytest.raises(FailedPrecondition, match=f"version: {older} is not the shadow model \\(there is no"):
            await control.stop_shadow(older)
        await control.choose(older, shadow=True)
        with pytest.raises(FailedPrecondition, match=f"the shadow is {older}"):
            await control.stop_shadow(newest)
        assert len(topic.records) == 1 and registry.choice == (newest, older)


async def test_activating_the_shadow_stops_scoring_it_beside_itself(versions):
    registry, _, older = versions
    topic = ControlTopic()
    async with following(topic, registry) as control:
        await control.choose(older, shadow=True)
        info = await control.choose(older, shadow=False)
        assert (info.active, info.shadow) == (True, False)
        assert registry.choice == (older, None)


async def test_two_changes_at_once_from_one_instance_keep_both(versions):
    # Each change publishes the whole choice it read: run interleaved, the shadow's would carry the
    # active model it read before the activation landed, and undo it.
    registry, newest, older = versions
    topic = ControlTopic()
    async with following(topic, registry) as control:
        await asyncio.gather(control.choose(older, shadow=False), control.choose(newest, shadow=True))
        assert registry.choice == (older, newest)
        last = ModelChoice.FromString(topic.records[-1].value)
        assert (last.active_version, last.shadow_version) == (older, newest)
