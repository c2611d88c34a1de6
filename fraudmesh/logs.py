"""One log format for every service: timestamp, level, service, logger, message."""

from __future__ import annotations

import logging


def configure_logging(service: str, level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s",
        force=True,
    )
    # aiokafka reports every retry at WARNING/ERROR; our own code says what matters once.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLogger().level))
