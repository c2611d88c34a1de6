"""The one-shot jobs that prepare the platform before its services start, in containers (compose's
`migrate`, `topics`, `model` and `keys` services; the Helm chart's Jobs). Each is idempotent: run again,
it finds its work done and exits 0. Settings come from the environment, as the services read them.

    python platform_jobs.py migrate   # Alembic migrations (DATABASE_URL)
    python platform_jobs.py topics    # every platform topic (KAFKA_BOOTSTRAP_SERVERS, TRANSACTIONS_PARTITIONS,
                                      # TRANSACTIONS_TOPIC, LABELS_TOPIC)
    python platform_jobs.py model     # trains the starter model into MODELS_DIR when it holds none
    python platform_jobs.py keys      # one API key per service and the admin's, as files in KEYS_DIR

Mutual TLS for gRPC and Kafka SASL credentials are not made here yet: their settings are still to come
(docs/deploy.md, "After the security branches").
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import pathlib
import sys


def migrate() -> None:
    from store_svc.migrate import upgrade

    asyncio.run(upgrade(os.environ["DATABASE_URL"]))


def topics() -> None:
    from fraudmesh import kafka_topics
    from fraudmesh.settings import KafkaSettings, LabelsTopicSettings, TransactionsTopicSettings

    bootstrap = KafkaSettings().kafka_bootstrap_servers
    # The two topics a deployment may rename, under the names the services are given.
    renamed = {
        kafka_topics.TRANSACTIONS.name: TransactionsTopicSettings().transactions_topic,
        kafka_topics.LABELS.name: LabelsTopicSettings().labels_topic,
    }
    # The transactions topic's partitions bound how many scoring instances share the work.
    partitions = int(os.environ.get("TRANSACTIONS_PARTITIONS", kafka_topics.TRANSACTIONS.partitions))

    async def create_all() -> None:
        for topic in kafka_topics.PLATFORM_TOPICS:
            if topic.name == kafka_topics.TRANSACTIONS.name:
                topic = dataclasses.replace(topic, partitions=partitions)
            await kafka_topics.ensure(bootstrap, topic, renamed.get(topic.name))

    asyncio.run(create_all())


def model() -> None:
    from fraudmodel.serving.registry import ensure_starter_model

    print(ensure_starter_model(pathlib.Path(os.environ.get("MODELS_DIR", "/models"))))


def keys() -> None:
    from fraudctl.runtime.credentials import ensure_platform_keys

    folder = pathlib.Path(os.environ.get("KEYS_DIR", "/run/fraudmesh/keys"))
    made = ensure_platform_keys(os.environ["DATABASE_URL"], folder)
    # The admin key is printed once, when this run made it; afterwards it is read from the volume.
    if made.admin_created:
        print(f"admin API key (also in {folder}/admin.key): {made.admin}")


JOBS = {"migrate": migrate, "topics": topics, "model": model, "keys": keys}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job", choices=sorted(JOBS))
    JOBS[parser.parse_args(argv).job]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
