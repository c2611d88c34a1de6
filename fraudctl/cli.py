"""`fraudctl`: the platform's operations. `up` runs everything in the foreground until Ctrl-C or
`fraudctl down`; the model commands (generate, train, score, evaluate, bench) come from model_commands.py."""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import signal
import sys
import threading
import time

from sqlalchemy.engine import make_url

from edge.settings import EdgeSettings
from fraudctl.runtime.credentials import admin_key_path
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.keeping import POLL_SECONDS
from fraudctl.runtime.observability import Observability
from fraudctl.runtime.platform import Platform, PlatformConfig
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.probes import kafka_answers, postgres_answers
from fraudctl.runtime.service_certificates import local_operator_certificate
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.kafka_topics import TRANSACTIONS_PARTITIONS
from fraudmesh.settings import KafkaSettings
from scoring_svc.settings import ScoringSettings

log = logging.getLogger("fraudctl")


def _pid_file(config: PlatformConfig) -> pathlib.Path:
    return config.data_dir / "fraudctl.pid"


def _restarts_file(config: PlatformConfig) -> pathlib.Path:
    """Restarts of each part by the running `fraudctl up`, for `fraudctl status` to show."""
    return config.data_dir / "fraudctl.restarts.json"


def cmd_up(args: argparse.Namespace) -> int:
    # Warmed before the announcement: "up" means the first requests are served as fast as the rest.
    config = PlatformConfig(scoring_instances=args.scoring_instances)
    platform = Platform(config)
    # With --observe, Jaeger (and Prometheus) start first, Zipkin's JVM beside Kafka and PostgreSQL,
    # and every service exports its spans to Jaeger and Zipkin.
    observability = Observability(config.data_dir) if args.observe else None
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        if observability is not None:
            observability.start()
        platform.start_infrastructure()
        platform.ensure_model()
        if observability is not None:
            observability.wait_for_zipkin()
            config.extra_env |= observability.service_env()
        platform.start_services()
        services = platform.services
        assert services is not None  # up() started them
        _pid_file(config).write_text(str(os.getpid()))
        _restarts_file(config).write_text(json.dumps(platform.restart_counts()))
        ports = config.ports
        scoring_ports = " :".join(str(s.listen_port) for s in services.running.values() if s.service == "scoring")
        print(
            "\nThe fraud mesh is up.\n"
            f"  console and REST API  {ports.edge_url}\n"
            f"  OpenAPI docs          {ports.edge_url}/docs\n"
            f"  WebSocket             ws://127.0.0.1:{ports.edge}/api/ws\n"
            f"  gRPC                  ingest :{ports.ingest}  scoring :{scoring_ports}  store :{ports.store}  notify :{ports.notify}\n"
            f"  Kafka                 {platform.bootstrap_servers}\n"
            f"  PostgreSQL            {make_url(platform.database_url).render_as_string(hide_password=True)}\n"
            f"  logs                  {config.data_dir / 'logs'}\n"
            f"{observability.announcement(ports.edge_url) if observability else ''}"
            f"{_sign_in(platform, config)}"
            "Ctrl-C or `make down` stops everything.\n",
            flush=True,
        )
        while not stopping.wait(POLL_SECONDS):
            restarted = platform.restart_dead()
            for name, ending in restarted.items():
                log.warning("%s stopped unexpectedly and was restarted: it %s", name, ending)
            if restarted:
                _restarts_file(config).write_text(json.dumps(platform.restart_counts()))
        return 0
    except Exception as error:
        log.error("%s", error)
        return 1
    finally:
        print("stopping...", flush=True)
        platform.down()
        if observability is not None:
            observability.stop()
        _pid_file(config).unlink(missing_ok=True)
        _restarts_file(config).unlink(missing_ok=True)


def _sign_in(platform: Platform, config: PlatformConfig) -> str:
    """How to sign in to the console and call the API, for the announcement."""
    keys = platform.keys
    if keys is None:
        return "  access control        off\n"
    saved = admin_key_path(config.data_dir)
    shown = keys.admin if keys.admin_created else f"the one in {saved}"
    return (
        _oidc_sign_in(EdgeSettings())
        + f"  sign in               open the console and paste the admin API key: {shown}\n"
        f"                        (kept in {saved}; more keys: `fraudctl keys create --role viewer --name NAME`)\n"
        f'                        REST: curl -H "Authorization: Bearer $(cat {saved})" {config.ports.edge_url}/api/stats\n'
    )


def _oidc_sign_in(edge: EdgeSettings) -> str:
    """The console's sign-in at the OIDC provider, when the edge (which reads the same environment) offers one."""
    if not (edge.oidc_issuer and edge.oidc_console_client_id):
        return ""
    return (
        f"  sign in (OIDC)        the console signs in through {edge.oidc_issuer}\n"
        f"                        (client {edge.oidc_console_client_id}, code flow with PKCE; the role from the "
        f"token's {edge.oidc_role_claim})\n"
    )


def cmd_down(args: argparse.Namespace) -> int:
    pid_file = _pid_file(PlatformConfig())
    if not pid_file.exists():
        print("nothing to stop: no `fraudctl up` is running from this folder")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        print("the platform was not running (stale pid file removed)")
        return 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and pid_file.exists():
        time.sleep(0.5)
    print("stopped" if not pid_file.exists() else f"still stopping (pid {pid})")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Each part up or DOWN, asked as its clients would ask it (a metadata request of Kafka, `SELECT 1`
    of PostgreSQL, gRPC health of the services, /api/health of the edge), with how often the
    running `fraudctl up` restarted it."""
    config = PlatformConfig()
    own_postgres = PostgresCluster(config.data_dir / "postgres", port=config.postgres_port)
    own_kafka = KafkaBroker(config.data_dir / "kafka", port=config.kafka_port)
    health = {
        "kafka": kafka_answers(config.kafka_bootstrap_servers, security=KafkaSecurity.from_settings(KafkaSettings()))
        if config.kafka_bootstrap_servers
        else own_kafka.answers(),
        "postgres": postgres_answers(config.database_url or own_postgres.url),
    }
    # Asked with the operator's certificate: the services serve gRPC over mutual TLS.
    operator = local_operator_certificate(config.data_dir)
    health |= ServiceSupervisor(ServicePorts(), config.data_dir / "logs", {}, client_certificate=operator).health()
    try:
        restarts = json.loads(_restarts_file(config).read_text())
    except (OSError, ValueError):
        restarts = {}
    for name, ok in health.items():
        restarted = restarts.get(name, 0)
        note = f"  (restarted {restarted} time{'s' if restarted != 1 else ''})" if restarted else ""
        print(f"{name:10} {'up' if ok else 'DOWN'}{note}")
    return 0 if all(health.values()) else 1


def cmd_import(args: argparse.Namespace) -> int:
    import asyncio

    from fraudctl.store_history import import_history

    inserted = asyncio.run(import_history(args.file, args.store, args.models))
    print(f"imported {args.file}: {inserted:,} new transactions stored")
    return 0


def _scoring_instances(text: str) -> int:
    number = int(text)
    if not 1 <= number <= TRANSACTIONS_PARTITIONS:
        raise argparse.ArgumentTypeError(
            f"must be 1 to {TRANSACTIONS_PARTITIONS}: the topic's partitions are what instances share"
        )
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fraudctl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start Kafka, PostgreSQL and every service; Ctrl-C stops")
    up.add_argument(
        "--scoring-instances",
        type=_scoring_instances,
        default=1,
        metavar="N",
        help=f"scoring_svc instances sharing the transactions topic (1 to {TRANSACTIONS_PARTITIONS})",
    )
    up.add_argument(
        "--observe",
        action="store_true",
        help="also run Jaeger (traces, read by the console's trace view) and Prometheus with the alert rules",
    )
    up.set_defaults(run=cmd_up)
    commands.add_parser("down", help="stop what `fraudctl up` started").set_defaults(run=cmd_down)
    commands.add_parser("status", help="show which parts are up").set_defaults(run=cmd_status)
    importing = commands.add_parser("import", help="load labelled history (CSV or Parquet) into the store")
    importing.add_argument("file", type=pathlib.Path, help="history in the documented CSV or Parquet format")
    importing.add_argument("--store", default=ScoringSettings().store_address, help="store_svc address (STORE_ADDRESS)")
    importing.add_argument("--models", type=pathlib.Path, default=PlatformConfig().models_dir, help="models folder")
    importing.set_defaults(run=cmd_import)
    from fraudctl.backtest.command import register as register_backtest
    from fraudctl.case_commands import register as register_case_commands
    from fraudctl.dead_letter_commands import register as register_dead_letter_commands
    from fraudctl.key_commands import register as register_key_commands
    from fraudctl.model_commands import register as register_model_commands
    from fraudctl.rule_commands import register as register_rule_commands

    register_model_commands(commands)
    register_dead_letter_commands(commands)
    register_case_commands(commands)
    register_key_commands(commands)
    register_rule_commands(commands)
    register_backtest(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    result = args.run(args)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
