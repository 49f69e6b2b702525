"""Free loopback ports, waiting for a server to answer, and binaries that tests need."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port on the loopback address that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, process: subprocess.Popen | None = None, log: Path | None = None,
                  timeout: float = 30.0, host: str = LOOPBACK) -> None:
    """Block until `host:port` accepts a TCP connection; raise with the server's log if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before opening port {port}"
                               f"{log_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered on {host}:{port} after {timeout:.0f}s{log_tail(log)}")
        time.sleep(0.05)


def log_tail(log: Path | None, lines: int = 30) -> str:
    """Return the last lines of a server's log file, formatted to append to an error message."""
    if log is None or not log.exists():
        return ""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    return f"\n--- last lines of {log} ---\n" + "\n".join(tail)


def missing(reason: str) -> None:
    """Skip the test because a server program is absent; on CI (CI=true) fail instead, so nothing hides."""
    hint = f"{reason} (scripts/setup installs it)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(hint, pytrace=False)
    pytest.skip(hint)


def find_binary(name: str, *candidates: str, package: str) -> str:
    """Return the path of program `name` (PATH first, then `candidates`), or skip/fail naming the package."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    missing(f"`{name}` not found: install the Debian package {package}")
    raise AssertionError("unreachable")  # pytest.skip/fail raise; this keeps type checkers honest


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """`preexec_fn` for servers: ask Linux to send `signum` to the child when the test process dies."""
    # A test run killed from outside (a timeout, Ctrl-C twice) never reaches fixture teardown; without
    # this its servers would linger. PR_SET_PDEATHSIG is option 1 of prctl(2).
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, int(signum), 0, 0, 0)


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a server started with start_new_session=True, killing its whole group if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout)
