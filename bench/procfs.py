"""Resident memory, CPU time and listening sockets of processes, read from Linux's /proc (psutil is not
a dependency of the project, and these few numbers need nothing more)."""

from __future__ import annotations

import os
import pathlib

PROC = pathlib.Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TCP_LISTEN = "0A"


def _kilobyte_field(text: str, name: str) -> int:
    for line in text.splitlines():
        if line.startswith(name + ":"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"{name}: unexpected unit {unit!r}")
            return int(value) * 1024
    raise ValueError(f"{name}: not in the text (a kernel thread or a zombie?)")


def parse_rss_bytes(status_text: str) -> int:
    """VmRSS of a /proc/<pid>/status text, in bytes."""
    return _kilobyte_field(status_text, "VmRSS")


def parse_pss_bytes(smaps_rollup_text: str) -> int:
    """Pss of a /proc/<pid>/smaps_rollup text, in bytes: shared pages divided among their sharers, so
    a process tree's sum counts PostgreSQL's shared buffers once rather than once per backend."""
    return _kilobyte_field(smaps_rollup_text, "Pss")


def _stat_fields(stat_text: str) -> list[str]:
    # The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    return stat_text[stat_text.rindex(")") + 2 :].split()


def parse_cpu_seconds(stat_text: str, ticks_per_second: int = CLOCK_TICKS, reaped_children: bool = False) -> float:
    """User plus system CPU time of a /proc/<pid>/stat text; with `reaped_children`, also the time of
    the children it has waited for (cutime, cstime), which the kernel adds to a parent once a child
    exits: so PostgreSQL's postmaster keeps the CPU of backends that are gone."""
    fields = _stat_fields(stat_text)  # fields[0] is the state, field 3 of the man page
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / ticks_per_second


def parse_parent_pid(stat_text: str) -> int:
    return int(_stat_fields(stat_text)[1])


def parse_listen_inodes(net_tcp_text: str, port: int) -> set[int]:
    """Socket inodes listening on `port` in a /proc/net/tcp (or tcp6) text."""
    inodes = set()
    for line in net_tcp_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == TCP_LISTEN:
            inodes.add(int(fields[9]))
    return inodes


def rss_bytes(pid: int) -> int | None:
    try:
        return parse_rss_bytes((PROC / str(pid) / "status").read_text())
    except (OSError, ValueError):
        return None  # gone, or not ours to read


def pss_bytes(pid: int) -> int | None:
    try:
        return parse_pss_bytes((PROC / str(pid) / "smaps_rollup").read_text())
    except (OSError, ValueError):
        return None


def cpu_seconds(pid: int, reaped_children: bool = False) -> float | None:
    try:
        return parse_cpu_seconds((PROC / str(pid) / "stat").read_text(), reaped_children=reaped_children)
    except (OSError, ValueError, IndexError):
        return None


def _all_pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def descendants(pid: int) -> list[int]:
    """Children, grandchildren... of `pid` (PostgreSQL's backends are children of its postmaster)."""
    parents: dict[int, list[int]] = {}
    for child in _all_pids():
        try:
            parents.setdefault(parse_parent_pid((PROC / str(child) / "stat").read_text()), []).append(child)
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [pid]
    while frontier:
        kids = parents.get(frontier.pop(), [])
        found.extend(kids)
        frontier.extend(kids)
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it: Kafka's JVM, or PostgreSQL's postmaster and its backends."""
    return [pid, *descendants(pid)]


def pid_listening_on(port: int) -> int | None:
    """The process holding a listening TCP socket on `port`, to find a service we did not start."""
    inodes: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            inodes |= parse_listen_inodes((PROC / "net" / table).read_text(), port)
        except OSError:
            continue
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in _all_pids():
        try:
            for fd in (PROC / str(pid) / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return pid
        except OSError:
            continue
    return None


class ListeningPids:
    """`pid_listening_on`, remembered: finding a socket's owner reads every descriptor of every
    process, too dear to repeat every half second. A remembered pid is looked up again once that
    process is gone (a restarted service listens from a new one)."""

    def __init__(self) -> None:
        self._pids: dict[int, int] = {}

    def pid(self, port: int) -> int | None:
        pid = self._pids.get(port)
        if pid is not None and (PROC / str(pid)).exists():
            return pid
        pid = pid_listening_on(port)
        if pid is None:
            self._pids.pop(port, None)
        else:
            self._pids[port] = pid
        return pid
