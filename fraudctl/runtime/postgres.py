"""A private PostgreSQL cluster in a data folder, on a loopback port.

The server refuses to run as root, so when we are root (CI, these machines) it runs as the
`postgres` system user that Debian's package creates. It listens on 127.0.0.1 and a socket inside
its data folder, and every connection on either proves a password with scram-sha-256. The owner's
password (a superuser, who runs the migrations) is made at initdb and kept beside the platform's
other secrets, in `credentials/<cluster folder name>/` next to the cluster's folder (mode 0600,
outside the folder the server's own user owns); the services log in as roles of their own
(fraudctl/runtime/database_roles.py).

A cluster made before passwords (initdb --auth=trust) is converted at its next start: its owner
gets a password while trust still lets us in, then the scram rules replace the trust ones.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pathlib
import pwd
import shutil
import subprocess
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from fraudctl.runtime.database_passwords import saved_or_new_password, scram_verifier, write_secret
from fraudctl.runtime.probes import how_it_ended, postgres_answers
from fraudctl.runtime.waiting import port_open
from fraudmesh.settings import asyncpg_dsn

DEBIAN_PACKAGE = "postgresql"
CHECKPOINT_TIMEOUT = "30s"
# Rewritten at every start, so a cluster made with other rules (trust, before passwords) gets these.
HBA_RULES = """\
# Written by fraudctl at every start (fraudctl/runtime/postgres.py): every connection, over the
# socket in the data folder or TCP on loopback, proves a password with SCRAM-SHA-256.
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


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
    credentials_folder: pathlib.Path | None = None  # None: `credentials/<folder name>` beside data_dir

    @property
    def credentials_dir(self) -> pathlib.Path:
        """Where the owner's and the services' passwords are kept (outside the server user's folder)."""
        return self.credentials_folder or self.data_dir.parent / "credentials" / self.data_dir.name

    @property
    def owner_password_path(self) -> pathlib.Path:
        return self.credentials_dir / f"{self.user}.password"

    @property
    def url(self) -> str:
        """The owner's URL, password included (for migrations, the runner and tests: never log it).
        Without a readable password file (another user's cluster) it carries none and is refused."""
        try:
            password = self.owner_password_path.read_text().strip() or None
        except OSError:
            password = None
        return self.url_for(self.user, password)

    def url_for(self, user: str, password: str | None, database: str | None = None) -> str:
        address = URL.create(
            "postgresql+asyncpg",
            username=user,
            password=password,
            host="127.0.0.1",
            port=self.port,
            database=database or self.database,
        )
        return address.render_as_string(hide_password=False)

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
        password = saved_or_new_password(self.owner_password_path)
        fresh = not (self._pgdata / "PG_VERSION").exists()
        if fresh:
            self._initdb(bindir, password)
        # An older cluster keeps its trust rules until its owner has a password (set once it runs).
        converting = not fresh and not self._hba_is_ours()
        if not converting:
            self._write_hba()
        self._hand_to_postgres_user()
        options = (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 "
            "-c password_encryption=scram-sha-256 "
            "-c max_connections=200 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on "
            # After a crash the server redoes the WAL since its last checkpoint before it answers
            # anyone: checkpoints every 30 s (the least it allows; 5 min by default) keep that short.
            f"-c checkpoint_timeout={CHECKPOINT_TIMEOUT}"
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
        if converting:
            _in_own_loop(self._set_owner_password(password))
            self._write_hba()
            self._hand_to_postgres_user()
            self._run(bindir, "pg_ctl", "-D", str(self._pgdata), "reload")
        _in_own_loop(self._ensure_database())

    def _initdb(self, bindir: pathlib.Path, password: str) -> None:
        # initdb reads the owner's password from a file: one the server's user can read, gone after.
        password_file = self.data_dir / "initdb-password"
        write_secret(password_file, password)
        self._hand_to_postgres_user()
        try:
            self._run(
                bindir,
                "initdb",
                "-D",
                str(self._pgdata),
                "-U",
                self.user,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-instructions",
            )
        finally:
            password_file.unlink(missing_ok=True)

    @property
    def _hba_path(self) -> pathlib.Path:
        return self._pgdata / "pg_hba.conf"

    def _hba_is_ours(self) -> bool:
        try:
            return self._hba_path.read_text() == HBA_RULES
        except OSError:
            return False

    def _write_hba(self) -> None:
        self._hba_path.write_text(HBA_RULES)
        self._hba_path.chmod(0o600)

    async def _set_owner_password(self, password: str) -> None:
        """Gives a trust-era cluster's owner the saved password (as a verifier: the password itself
        is in no statement)."""
        connection = await asyncpg.connect(self._dsn("postgres"), timeout=10)
        try:
            await connection.execute(f"ALTER ROLE \"{self.user}\" PASSWORD '{scram_verifier(password)}'")
        finally:
            await connection.close()

    async def _ensure_database(self) -> None:
        try:
            connection = await asyncpg.connect(self._dsn("postgres"), timeout=10)
        except asyncpg.InvalidPasswordError:
            raise RuntimeError(
                f"PostgreSQL under {self._pgdata} refuses the owner password kept in {self.owner_password_path}: "
                "that file belongs to another cluster or was replaced. Put the right one back, or remove "
                f"{self.data_dir} to start with an empty cluster (its data is lost)"
            ) from None
        try:
            if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", self.database):
                # Our own fixed name: no bound parameter can name a database.
                await connection.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await connection.close()

    def _dsn(self, database: str) -> str:
        return asyncpg_dsn(self.url_for(self.user, self.owner_password_path.read_text().strip(), database))

    def stop(self) -> None:
        self.started = False
        bindir = find_bindir()
        if bindir and self.running():
            self._run(bindir, "pg_ctl", "-D", str(self._pgdata), "-m", "fast", "-w", "stop")


def _in_own_loop(work: Coroutine[Any, Any, None]) -> None:
    """Runs `work` to the end on an event loop of its own, in a thread of its own: start() is called
    from plain code and from inside running loops (async tests) alike, and blocks either way."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-start") as pool:
        pool.submit(asyncio.run, work).result()


def _is_postgres(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) PostgreSQL server process."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "<pid> (<command>) <state> ...": the command may hold spaces, so split around its parentheses.
    command, _, rest = stat.partition("(")[2].rpartition(")")
    return command in ("postgres", "postmaster") and rest.split()[0] != "Z"
