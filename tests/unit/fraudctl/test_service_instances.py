"""Several instances of one service side by side: each its own ports, kept across restarts."""

import pathlib

import pytest

from fraudctl.cli import build_parser
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor


def supervisor() -> ServiceSupervisor:
    return ServiceSupervisor(ServicePorts(scoring=6052, metrics_base=7100), pathlib.Path("/tmp/unused"), {})


def test_the_first_instance_has_the_configured_ports_and_another_has_its_own():
    services = supervisor()
    assert services.instance_ports("scoring") == (6052, 7101)
    second = services.instance_ports("scoring", "2")
    assert set(second).isdisjoint({6052, 7101})
    assert services.instance_ports("scoring", "2") == second, "a restarted instance keeps its ports"
    env = services.environment("scoring", "2")
    assert (env["SCORING_LISTEN"], env["METRICS_PORT"]) == (f"127.0.0.1:{second[0]}", str(second[1]))
    assert env["STORE_ADDRESS"] == "127.0.0.1:50053", "peers are the first instances"


@pytest.mark.parametrize("count", ["0", "7", "two"])
def test_fraudctl_up_refuses_a_scoring_instance_count_the_topic_cannot_share(count, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["up", "--scoring-instances", count])
    assert "--scoring-instances" in capsys.readouterr().err


def test_fraudctl_up_takes_a_scoring_instance_count():
    assert build_parser().parse_args(["up", "--scoring-instances", "3"]).scoring_instances == 3


def test_each_scoring_instance_joins_the_group_under_its_own_name_kept_across_restarts():
    services = supervisor()
    names = [services.environment("scoring", instance)["CONSUMER_INSTANCE_ID"] for instance in ("", "2", "3")]
    assert names == ["scoring", "scoring2", "scoring3"]
    assert services.environment("scoring", "2")["CONSUMER_INSTANCE_ID"] == "scoring2", "the same after a restart"
    assert "CONSUMER_INSTANCE_ID" not in services.environment("store"), "only scoring is in a consumer group"


def test_services_keep_their_bytecode_even_when_the_caller_asks_python_not_to_write_it(monkeypatch):
    # A restart after a crash must not compile every module from source again.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    for name in ("scoring", "store", "edge"):
        assert "PYTHONDONTWRITEBYTECODE" not in supervisor().environment(name)
