"""The operations wing: the `fraudctl` CLI, the local runner (`runtime/`) and the developers' tools
(`devtools/`). It may import any part of the platform; nothing imports it."""
