"""A private PostgreSQL cluster in a data folder, on a loopback port.

The server refuses to run as root, so when we are root (CI, these machines) it runs as the
`postgres` system user that Debian's package creates. Authentication is `trust` on 127.0.0.1 and a
socket inside the data folder only: a local, throwaway cluster with no password to leak.
"""

from __future__ import annotations

import glob
import os
import pathlib
import pwd
import shutil
import subprocess
from dataclasses import dataclass

from fraudctl.runtime.probes import how_it_ended, postgres_answers
from fraudctl.runtime.waiting import port_open

DEBIAN_PACKAGE = "postgresql"


def find_bindir() -> pathlib.Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for directory in reversed(candidates):
        if (pathlib.Path(directory) / "initdb").exists():
            return pathlib.Path(directory)
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = pathlib.Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    return None


def ensure_server_binaries() -> pathlib.Path:
    bindir = find_bindir()
    if bindir:
        return bindir
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", DEBIAN_PACKAGE],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        bindir = find_bindir()
        if bindir:
            return bindir
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) are missing: install Debian's "
        f"`{DEBIAN_PACKAGE}` package (sudo apt-get install {DEBIAN_PACKAGE}), or set DATABASE_URL to an existing server"
    )


@dataclass
class PostgresCluster:
    data_dir: pathlib.Path
    port: int = 55432
    user: str = "fraud"
    database: str = "fraud"
    started: bool = False  # by us, and not stopped since: only then is its ending ours to notice

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def log_path(self) -> pathlib.Path:
        return self.data_dir / "server.log"

    def postmaster_pid(self) -> int | None:
        """The server's process id from its lock file, which an unclean stop leaves behind."""
        try:
            return int((self._pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def ended(self) -> str | None:
        """None while the server we started runs (or we started none); else how it ended, naming its log.

        pg_ctl leaves the server running on its own (not our child), so this looks the process up
        by the id in postmaster.pid: gone, a zombie, or another program under that id means ended."""
        if not self.started or self.running():
            return None
        pid = self.postmaster_pid()
        what = "its postmaster.pid is gone" if pid is None else f"its server process {pid} is gone"
        return how_it_ended(f"stopped: {what}", self.log_path)

    def running(self) -> bool:
        pid = self.postmaster_pid()
        return pid is not None and _is_postgres(pid)

    def answers(self, timeout: float = 2.0) -> bool:
        return postgres_answers(self.url, timeout)

    @property
    def _pgdata(self) -> pathlib.Path:
        return self.data_dir / "pgdata"

    def _run(self, bindir: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
        command = [str(bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True)

    def _hand_to_postgres_user(self) -> None:
        if os.geteuid() != 0:
            return
        account = pwd.getpwnam("postgres")
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)

    def start(self) -> None:
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken: is another PostgreSQL running? (`fraudctl down`)")
        bindir = ensure_server_binaries()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self._hand_to_postgres_user()
        fresh = not (self._pgdata / "PG_VERSION").exists()
        if fresh:
            self._run(
                bindir,
                "initdb",
                "-D",
                str(self._pgdata),
                "-U",
                self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
            )
        options = (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on"
        )
        self._run(
            bindir,
            "pg_ctl",
            "-D",
            str(self._pgdata),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.started = True
        if fresh:
            self._run(bindir, "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.database)

    def stop(self) -> None:
        self.started = False
        bindir = find_bindir()
        if bindir and self.running():
            self._run(bindir, "pg_ctl", "-D", str(self._pgdata), "-m", "fast", "-w", "stop")


def _is_postgres(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) PostgreSQL server process."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "<pid> (<command>) <state> ...": the command may hold spaces, so split around its parentheses.
    command, _, rest = stat.partition("(")[2].rpartition(")")
    return command in ("postgres", "postmaster") and rest.split()[0] != "Z"
