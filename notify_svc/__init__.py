"""notify_svc: journals scored decisions to its Kafka topic and fans them out to subscribers over
gRPC server streams, numbered by the journal (sequence = offset + 1), so numbering, resume and
de-duplication survive its restarts.

| module | job |
|---|---|
| `publisher.py` | PublishDecisions: per-item refusals, recognising repeats, producing the batch at once |
| `in_flight.py` | decisions written and not yet read back, and the calls waiting for their numbers |
| `follower.py` | reads the journal's tail back at start, then every record into the hub, in order |
| `journal_reader.py` | one partition of the journal, read from an offset on (confluent-kafka) |
| `journal_source.py` | the journal as the older source of a subscriber resuming from before the window |
| `hub.py` | the window, de-duplication index and subscriptions (fraudmesh.decision_stream) |
| `server.py` | the parts wired together, NOT_SERVING until the journal is read back |
"""
