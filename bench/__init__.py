"""Load benchmarks of the running platform (`python -m bench`): ghz on ingest against a bare gRPC
server, open-loop end-to-end runs over gRPC and REST, WebSocket fan-out, scale-out of scoring, and
memory. They print and record numbers; nothing here asserts a speed. See docs/performance.md."""
