"""pytest prints a failing test's fixtures: the platform's supervisor must not print its secrets."""

import pathlib

from fraudctl.runtime.services import ServicePorts, ServiceSupervisor


def test_the_supervisor_repr_shows_no_key_or_password():
    services = ServiceSupervisor(
        ServicePorts(),
        pathlib.Path("/tmp/unused"),
        {"DATABASE_URL": "postgresql://fraud:owner-secret@127.0.0.1/fraud"},
        per_service_env={"store": {"SERVICE_API_KEY": "fm_service_secret", "KAFKA_SASL_PASSWORD": "kafka-secret"}},
        admin_credential="fm_admin_secret",
    )
    printed = repr(services)
    for secret in ("owner-secret", "fm_service_secret", "kafka-secret", "fm_admin_secret"):
        assert secret not in printed
    assert "ServicePorts" in printed, "the rest is still shown"
