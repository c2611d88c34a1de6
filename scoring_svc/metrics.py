"""scoring_svc's metrics: consumption, lag and commits, stalls, batches, the time of each step,
decisions and scores. The alert rules in deploy/prometheus use these names."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from fraudmesh.metrics import NAMESPACE, ServiceMetrics

DECISION_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STEP_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
BATCH_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
SCORE_BUCKETS = tuple(round(0.05 * step, 2) for step in range(1, 21))


class ScoringMetrics(ServiceMetrics):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__("scoring", registry)
        reg = self.registry
        self.kafka_consumed = Counter(
            f"{NAMESPACE}_kafka_consumed", "Records consumed, by topic.", ("topic",), registry=reg
        )
        self.consumer_lag = Gauge(
            f"{NAMESPACE}_kafka_consumer_lag",
            "Records in the partition the group has not committed yet (the broker's end offset less the "
            "group's committed offset), measured every few seconds for each partition this instance has.",
            ("partition",),
            registry=reg,
        )
        self.last_commit = Gauge(
            f"{NAMESPACE}_kafka_last_commit_timestamp_seconds",
            "When this instance last had offsets committed (Unix time); 0 before its first commit.",
            registry=reg,
        )
        self.stalled = Gauge(
            f"{NAMESPACE}_scoring_stalled",
            "1 while a batch is held because store, notify or Kafka cannot take it (consumption paused), else 0.",
            registry=reg,
        )
        # What scoring's gRPC health says, for the ServiceNotServing alert (scoring_svc.readiness).
        self.serving = Gauge(
            f"{NAMESPACE}_serving",
            "1 while this process's gRPC health is SERVING, 0 while it is NOT_SERVING (scoring: not ready yet, "
            "or stalled).",
            registry=reg,
        )
        self.batch_size = Histogram(
            f"{NAMESPACE}_scoring_batch_size",
            "Transactions per scored batch.",
            buckets=BATCH_SIZE_BUCKETS,
            registry=reg,
        )
        self.feature_seconds = Histogram(
            f"{NAMESPACE}_feature_duration_seconds",
            "Time to compute the features of one batch.",
            buckets=STEP_BUCKETS,
            registry=reg,
        )
        self.model_seconds = Histogram(
            f"{NAMESPACE}_model_duration_seconds",
            "Time to score one batch with the model.",
            buckets=STEP_BUCKETS,
            registry=reg,
        )
        self.decisions = Counter(
            f"{NAMESPACE}_decisions",
            "Decisions made, by outcome (approve, review, decline).",
            ("outcome",),
            registry=reg,
        )
        self.score = Histogram(
            f"{NAMESPACE}_score", "Calibrated fraud scores of scored transactions.", buckets=SCORE_BUCKETS, registry=reg
        )
        self.active_model = Info(f"{NAMESPACE}_active_model", "The model version scoring uses now.", registry=reg)
        self.decision_latency_seconds = Histogram(
            f"{NAMESPACE}_decision_latency_seconds",
            "From a transaction's submission at ingest to its decision being published.",
            buckets=DECISION_LATENCY_BUCKETS,
            registry=reg,
        )

        self.customers_held = Gauge(
            f"{NAMESPACE}_scoring_customers_held",
            "Customers whose feature state this instance holds (at most MAX_CUSTOMERS).",
            registry=reg,
        )
        self.customers_evicted = Counter(
            f"{NAMESPACE}_scoring_customers_evicted",
            "Customers forgotten, least recently seen first, to stay within MAX_CUSTOMERS; one who comes back "
            "is warmed again from store_svc.",
            registry=reg,
        )

        self.population_stability = Gauge(
            f"{NAMESPACE}_model_population_stability",
            'Population stability index of the score (feature="score") and of each feature over the last '
            "DRIFT_WINDOW scored transactions, against the active model's training data; set once the window "
            "holds DRIFT_MIN_TRANSACTIONS (below 0.1 stable, above 0.25 shifted).",
            ("feature",),
            registry=reg,
        )
        self.drift_window = Gauge(
            f"{NAMESPACE}_model_drift_window_transactions",
            "Scored transactions in the window the population stability is measured over (at most DRIFT_WINDOW).",
            registry=reg,
        )

        # Label values bounded by the rule set's own bounds (docs/limits.md); scoring_svc.rule_metrics.
        self.rule_hits = Counter(
            f"{NAMESPACE}_rule_hits",
            'Transactions each rule matched, by rule id and status: "active" when it fired (named among the '
            'decision\'s reasons), "shadow" when it would have fired.',
            ("rule_id", "status"),
            registry=reg,
        )
        self.list_hits = Counter(
            f"{NAMESPACE}_list_hits",
            "Transactions an allow or block list decided, by list name.",
            ("list",),
            registry=reg,
        )

    def set_active_model(self, version: str) -> None:
        self.active_model.info({"version": version})
