"""Starts the platform's infrastructure on one machine without Docker: Apache Kafka (KRaft) from
Maven Central's jars, a private PostgreSQL cluster, and the services as child processes. `fraudctl up`
and the test session both use this code, so tests run against exactly what users run."""
