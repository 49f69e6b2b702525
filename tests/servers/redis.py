"""A throwaway redis-server on a free loopback port, with no persistence."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers.ports import LOOPBACK, die_with_parent, find_binary, free_port, stop_process, wait_for_port


@dataclass
class RedisServer:
    """A running redis-server; `url` is what Celery or redis-py need."""

    root: Path
    port: int
    host: str = LOOPBACK
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The redis:// URL of database 0."""
        return f"redis://{self.host}:{self.port}/0"

    def command(self, *args: str) -> bytes:
        """Send one command in the Redis protocol and return the raw reply line (no client library needed)."""
        request = f"*{len(args)}\r\n".encode()
        for arg in args:
            data = arg.encode()
            request += b"$%d\r\n%s\r\n" % (len(data), data)
        with socket.create_connection((self.host, self.port), timeout=5) as sock:
            sock.sendall(request)
            return sock.recv(65536)

    def flush(self) -> None:
        """Delete every key in every database."""
        reply = self.command("FLUSHALL")
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"redis FLUSHALL failed: {reply!r}")

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the server, stay down `down_seconds` (an outage), then start it again on the same port."""
        self.stop()
        time.sleep(down_seconds)
        _launch(self)

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def start_redis() -> RedisServer:
    """Start redis-server in a fresh temp dir on a free port and return it once it answers PING."""
    server = RedisServer(root=Path(tempfile.mkdtemp(prefix="foiltrack-redis-")), port=free_port())
    _launch(server)
    return server


def _launch(server: RedisServer) -> None:
    binary = find_binary("redis-server", "/usr/bin/redis-server", package="redis-server")
    log = server.root / "redis.log"
    # Errors before the log file opens (a bad option) go to stderr: keep them in a file too.
    with open(server.root / "redis.out", "wb") as out:
        server.process = subprocess.Popen(
            [binary, "--port", str(server.port), "--bind", server.host, "--save", "", "--appendonly", "no",
             "--dir", str(server.root), "--logfile", str(log), "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent,
        )
    try:
        wait_for_port(server.port, process=server.process, log=log)
        if not server.command("PING").startswith(b"+PONG"):
            raise RuntimeError(f"redis-server on port {server.port} does not answer PING")
    except BaseException:
        stop_redis(server)
        raise


def stop_redis(server: RedisServer) -> None:
    """Stop the server and delete its temp dir."""
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)
