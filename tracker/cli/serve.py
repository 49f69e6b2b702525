"""`foiltrack serve`: the web app, the workers, the scheduler and the mail worker, in one command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext


def _processes(config) -> dict[str, list[str]]:
    python = sys.executable
    bind = f"{config['HOST']}:{config['PORT']}"
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(python)) or "gunicorn"
    celery = [python, "-m", "celery", "-A", "tracker.worker"]
    procs = {
        # gunicorn's control socket defaults to one path per user: each instance keeps its own, in its data
        # folder, so two `serve` on one machine never answer each other's control commands.
        "web": [gunicorn, "--bind", bind, "--workers", "2", "--threads", "4", "--access-logfile", "-",
                "--control-socket", os.path.join(config["DATA_DIR"], "gunicorn.ctl"),
                # Built and warmed once before the fork (tracker.wsgi): a fresh worker's first page is fast.
                "--preload", "tracker.wsgi:app"],
        "worker": [*celery, "worker", "--queues", "celery,ingest,extract", "--concurrency",
                   str(config["WORKER_CONCURRENCY"]), "--hostname", "main@%h", "--loglevel", "INFO"],
        # Whoosh allows one writer at a time: the indexer holds the index-writer lease.
        "indexer": [python, "-m", "tracker.cli", "indexer"],
        # The scheduler holds its lease too, so a second `serve` on the same data never runs a job twice.
        "scheduler": [python, "-m", "tracker.cli", "scheduler"],
    }
    if config["IMAP_HOST"]:
        procs["mail"] = [python, "-m", "tracker.cli", "ingest"]
    return procs


@click.command("serve")
@click.option("--no-workers", is_flag=True, help="Start only the web app.")
@with_appcontext
def command(no_workers: bool) -> None:
    """Start everything: web app, task workers, scheduler and (when IMAP is set) the mail worker."""
    config = current_app.config
    procs = _processes(config)
    if no_workers:
        procs = {"web": procs["web"]}
    env = dict(os.environ)
    # Children build their own app from the same settings: pass the resolved ones down.
    env.update({f"FOILTRACK_{k}": str(config[k]) for k in ("DATA_DIR", "DATABASE_URL", "BROKER_URL")})
    env.setdefault("OMP_THREAD_LIMIT", "1")
    running: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"FOIL Tracker on {config['BASE_URL']} (data in {config['DATA_DIR']}); Ctrl-C stops everything.")
    try:
        for name, argv in procs.items():
            running[name] = subprocess.Popen(argv, env=env)
            click.echo(f"started {name} (pid {running[name].pid})")
        started, announced = time.monotonic(), False
        while not stopping:
            if not announced and _ready(config, started):
                _announce(config)
                announced = True
            for name, proc in running.items():
                if proc.poll() is not None:
                    click.echo(f"{name} stopped with exit code {proc.returncode}; stopping the rest", err=True)
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        _stop_all(running)
    click.echo("stopped")


def _ready(config, started: float) -> bool:
    """Whether to say the service is up: the web app answers (after the workers' start-up lines), or a
    minute has passed."""
    waited = time.monotonic() - started
    if waited < 4:
        return False
    if waited > 60:
        return True
    import urllib.error
    import urllib.request

    host = config["HOST"] if config["HOST"] not in ("0.0.0.0", "::", "") else "127.0.0.1"
    try:
        with urllib.request.urlopen(f"http://{host}:{config['PORT']}/login", timeout=1):  # noqa: S310 - our own
            return True
    except (urllib.error.URLError, OSError):
        return False


def _announce(config) -> None:
    """The last lines of start-up: where to open the app and, for the demo, how to sign in."""
    from pathlib import Path

    click.echo(f"Ready: open {config['BASE_URL']}")
    credentials = Path(config["DATA_DIR"]) / "demo-credentials.txt"
    if credentials.is_file():
        click.echo(f"Demo accounts (from {credentials}):")
        for line in credentials.read_text().splitlines():
            if line.strip():
                click.echo("  " + line.strip())


def _stop_all(running: dict[str, subprocess.Popen]) -> None:
    for proc in running.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name, proc in running.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            click.echo(f"{name} did not stop in time; killing it", err=True)
            proc.kill()
            proc.wait()
