"""A production deployment on one machine: each process from its own data folder, as if on its own host.

Used by tests/test_deployment.py. Processes run the real commands of deploy/ (gunicorn, celery workers,
`foiltrack indexer`, `foiltrack scheduler`, `foiltrack ingest`) against throwaway PostgreSQL, Redis and
Dovecot servers, sharing only what hosts share: the database, the broker, the blob folder (and, for
Whoosh, the index folder).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers.ports import die_with_parent, free_port, wait_for_port

PASSWORD = "a long deployment password"


@dataclass
class Process:
    """One process of the deployment and its log."""

    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen | None = None

    def alive(self) -> bool:
        """Whether it still runs."""
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Deployment:
    """The settings every host shares, and the processes started so far."""

    root: Path
    shared_env: dict[str, str]
    processes: dict[str, Process] = field(default_factory=dict)

    def env_for(self, host: str) -> dict[str, str]:
        """The environment of a process on `host`: the shared settings and a data folder of its own."""
        data_dir = self.root / "hosts" / host
        data_dir.mkdir(parents=True, exist_ok=True)
        return {**os.environ, **self.shared_env, "FOILTRACK_DATA_DIR": str(data_dir)}

    def run(self, host: str, *args: str, stdin: str = "", timeout: float = 180) -> str:
        """Run `foiltrack ARGS` on `host` to its end; its output, or an AssertionError with it."""
        done = subprocess.run([sys.executable, "-m", "tracker.cli", *args], env=self.env_for(host), input=stdin,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"foiltrack {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, argv: list[str]) -> Process:
        """Start a long-running process named `name` (its own host and data folder)."""
        process = Process(name, argv, self.root / "logs" / f"{name}.log")
        process.log.parent.mkdir(exist_ok=True)
        with open(process.log, "a") as log:
            # Its own session (so a kill reaches its children), and it dies with the test process.
            process.popen = subprocess.Popen(argv, env=self.env_for(name), stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True, preexec_fn=die_with_parent)
        self.processes[name] = process
        return process

    def start_web(self, name: str) -> str:
        """Start gunicorn with two workers; its base URL once it answers."""
        port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.start(name, [gunicorn, "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                          "--timeout", "30", "--control-socket", str(self.root / f"{name}.ctl"),
                          "--preload", "tracker.wsgi:app"])
        wait_for_port(port, process=self.processes[name].popen, log=self.processes[name].log, timeout=60)
        return f"http://127.0.0.1:{port}"

    def start_worker(self, name: str) -> Process:
        """A general Celery worker (mail delivery, extraction, outgoing mail)."""
        return self.start(name, [sys.executable, "-m", "celery", "-A", "tracker.worker", "worker", "--queues",
                                 "celery,ingest,extract", "--concurrency", "1", "--hostname", f"{name}@%h",
                                 "--without-gossip", "--without-mingle", "--loglevel", "INFO"])

    def start_command(self, name: str, *args: str) -> Process:
        """A long-running `foiltrack` command (indexer, scheduler, ingest)."""
        return self.start(name, [sys.executable, "-m", "tracker.cli", *args])

    def kill(self, name: str) -> None:
        """`kill -9` a process and everything it started."""
        process = self.processes[name]
        if process.alive():
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(timeout=30)

    def stop_all(self) -> None:
        """Stop every process: politely, then by force."""
        for process in self.processes.values():
            if process.alive():
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=30)

    def logs(self) -> str:
        """The tail of every log, for a failure message."""
        parts = []
        for process in self.processes.values():
            text = process.log.read_text(errors="replace") if process.log.exists() else ""
            parts.append(f"--- {process.name} ---\n" + "\n".join(text.splitlines()[-25:]))
        return "\n".join(parts)


def api(base: str, path: str, token: str, *, method: str = "GET", body: dict | None = None,
        timeout: float = 30) -> tuple[int, dict]:
    """Call the JSON API; (status, parsed body) even for error statuses."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload or b"{}")
        except ValueError:
            return error.code, {"raw": payload[:500].decode(errors="replace")}
    except OSError as error:
        return 599, {"raw": f"no answer: {error}"}  # counted as a failure, like a 5xx


def sign_in(base: str, email: str, password: str, timeout: float = 30) -> int:
    """Sign in through the web form as a person would; the status of the page it lands on."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        with opener.open(base + "/login", timeout=timeout) as response:
            page = response.read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        with opener.open(base + "/login", data=form, timeout=timeout) as response:
            landed = response.geturl()
            status = response.status
        return status if not landed.rstrip("/").endswith("/login") else 401
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 599  # no answer at all


class Load:
    """Clients that search (and sign in) against the web hosts in threads until stopped, counting answers."""

    def __init__(self, bases: list[str], token: str, words: list[str], email: str, clients: int = 8):
        self.bases, self.token, self.words, self.email = bases, token, words, email
        self.clients = clients
        self.statuses: Counter = Counter()
        self.sign_ins: list[tuple[float, int]] = []
        self.failures: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the search clients and one client that signs in every few seconds."""
        for number in range(self.clients):
            thread = threading.Thread(target=self._search, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
        thread = threading.Thread(target=self._sign_in, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop every client and wait for it."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _search(self, number: int) -> None:
        step = 0
        while not self._stop.is_set():
            base = self.bases[(number + step) % len(self.bases)]
            word = self.words[(number * 7 + step) % len(self.words)]
            status, body = api(base, f"/api/v1/search?q={urllib.parse.quote(word)}", self.token)
            with self._lock:
                self.statuses[status] += 1
                if status >= 500:
                    self.failures.append((time.monotonic(), f"{status} {base} q={word}: {str(body)[:300]}"))
            step += 1
            self._stop.wait(0.05)

    def _sign_in(self) -> None:
        while not self._stop.is_set():
            status = sign_in(self.bases[0], self.email, PASSWORD)
            with self._lock:
                self.sign_ins.append((time.monotonic(), status))
            self._stop.wait(2)


def outside(events: list[tuple[float, object]], windows: list[tuple[float, float]]) -> list[object]:
    """The events that happened outside every (start, end) window."""
    return [what for when, what in events if not any(start <= when <= end for start, end in windows)]
