"""How a scoring instance joins its consumer group: static under a name of its own, or dynamic."""

import pytest
from pydantic import ValidationError

from scoring_svc.group_membership import membership
from scoring_svc.settings import ScoringSettings


def test_an_instance_with_a_name_joins_as_that_static_member():
    joining = membership(ScoringSettings(consumer_group="scoring", consumer_instance_id="scoring2"))
    assert (joining["group_id"], joining["group_instance_id"]) == ("scoring", "scoring2")


def test_an_instance_without_a_name_joins_as_a_dynamic_member():
    assert membership(ScoringSettings())["group_instance_id"] is None


@pytest.mark.parametrize(("session_ms", "heartbeat_ms"), [(6_000, 2_000), (10_000, 3_000), (45_000, 3_000)])
def test_heartbeats_come_at_least_three_times_a_session(session_ms, heartbeat_ms):
    joining = membership(ScoringSettings(consumer_session_timeout_ms=session_ms))
    assert (joining["session_timeout_ms"], joining["heartbeat_interval_ms"]) == (session_ms, heartbeat_ms)


@pytest.mark.parametrize(("field", "value"), [("consumer_session_timeout_ms", 5_999), ("consumer_instance_id", "")])
def test_a_session_the_broker_refuses_or_an_empty_name_is_refused_at_start(field, value):
    with pytest.raises(ValidationError, match=field):
        ScoringSettings(**{field: value})
