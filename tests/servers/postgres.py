"""A throwaway PostgreSQL cluster on a free loopback port, with a fresh database per caller."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from tests.servers.ports import (
    LOOPBACK,
    die_with_parent,
    free_port,
    log_tail,
    missing,
    stop_process,
    wait_for_port,
)

DATABASE = "foiltrack_test"
SUPERUSER = "postgres"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass
class PostgresServer:
    """A running cluster; `url` points at the database `foiltrack_test`, owned by superuser `postgres`."""

    root: Path
    port: int
    bindir: Path
    host: str = LOOPBACK
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        """The server's log file."""
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default test database."""
        return self.database_url(DATABASE)

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database `name` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{name}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user=SUPERUSER, dbname=database,
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create_database(self, name: str) -> str:
        """Create an empty database `name` (dropping any old one) and return its SQLAlchemy URL."""
        if not _NAME.match(name):
            raise ValueError(f"not a plain lower-case database name: {name!r}")
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name`, disconnecting whoever still uses it."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the server accepts connections (it answers "starting up" for a moment first)."""
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(host=self.host, port=self.port, user=SUPERUSER, dbname="postgres",
                                connect_timeout=5).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL on port {self.port} is not ready after {timeout:.0f}s: "
                                       f"{error}{log_tail(self.log_path)}") from error
                time.sleep(0.1)

    def start(self) -> None:
        """Start the postmaster on the cluster (again, after `stop()`: same port, same data)."""
        # The postmaster runs as our child rather than through `pg_ctl start`, which detaches it: a test
        # run killed from outside then takes its cluster down too (SIGQUIT is an immediate shutdown).
        command = [str(self.bindir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                   "-k", str(self.root), "-c", f"listen_addresses={self.host}", "-c", "fsync=off",
                   "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root. setpriv execs in place, so the death signal still holds.
            owner = pwd.getpwnam(SUPERUSER)
            command = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups",
                       "--pdeathsig=QUIT", "--", *command]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                start_new_session=True, preexec_fn=partial(die_with_parent, signal.SIGQUIT),
            )
        wait_for_port(self.port, process=self.process, log=self.log_path)
        self.wait_ready()

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the server at once (as a crash would), stay down `down_seconds`, then start it again."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def stop(self) -> None:
        """Stop the server at once; the cluster is thrown away, so no clean shutdown is needed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        stop_process(self.process)
        self.process = None

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root; its Debian package brings the `postgres` user.
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        with open(self.root / "commands.log", "ab") as out:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  cwd=self.root, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed with code {done.returncode}"
                               f"{log_tail(self.root / 'commands.log')}{log_tail(self.log_path)}")


def find_bindir() -> Path:
    """Return the folder holding initdb and pg_ctl: Debian's newest /usr/lib/postgresql/*/bin, else PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda path: int(re.search(r"/(\d+)/bin", path).group(1)))
    if versions:
        return Path(versions[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    missing("PostgreSQL's initdb not found: install the Debian package postgresql")
    raise AssertionError("unreachable")


def start_postgres() -> PostgresServer:
    """Create a cluster in a fresh temp dir, start it on a free port and create the test database."""
    bindir = find_bindir()
    as_root = os.geteuid() == 0
    if as_root:
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            missing("the `postgres` system user is absent: install the Debian package postgresql")
    root = Path(tempfile.mkdtemp(prefix="foiltrack-postgres-"))
    server = PostgresServer(root=root, port=free_port(), bindir=bindir)
    if as_root:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    try:
        server._run("initdb", "-D", str(server.data_dir), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
                    "--locale=C", "--no-sync")
        server.start()
        server.create_database(DATABASE)
    except BaseException:
        stop_postgres(server)
        raise
    return server


def stop_postgres(server: PostgresServer) -> None:
    """Stop the server and delete its cluster."""
    try:
        server.stop()
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
