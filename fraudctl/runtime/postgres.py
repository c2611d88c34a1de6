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

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{self.database}"

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
        if fresh:
            self._run(bindir, "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.database)

    def stop(self) -> None:
        bindir = find_bindir()
        if bindir and (self._pgdata / "postmaster.pid").exists():
            self._run(bindir, "pg_ctl", "-D", str(self._pgdata), "-m", "fast", "-w", "stop")
