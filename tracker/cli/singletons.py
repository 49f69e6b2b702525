"""`foiltrack scheduler` and `foiltrack indexer`: the singletons, each started behind its lease.

Run as many copies as you like (one per machine, say): one holds the lease and works, the others wait as
hot standbys and take over within seconds of the holder's death (tracker/leases.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time

import click
from celery.utils.nodenames import host_format
from flask import current_app
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.leases import Lease, watch
from tracker.tasks import stamp_with_epoch

log = logging.getLogger(__name__)

# A copy that lost its lease exits with this code (EX_TEMPFAIL): a supervisor restarts it as a standby.
LOST_LEASE_EXIT = 75


def hold_lease(role: str) -> Lease:
    """Wait as a standby until `role` is ours, then keep checking it; exit at once if it is lost."""
    config = current_app.config
    lease = Lease(role, config["DATABASE_URL"], config["DATA_DIR"])
    lease.acquire(on_wait=lambda: click.echo(f"{role}: another process holds the lease; waiting as a standby"))
    click.echo(f"{role}: lease held (pid {os.getpid()})")

    def lost() -> None:
        # Another copy may take over at once: stop before doing one more piece of singleton work.
        logging.shutdown()
        os._exit(LOST_LEASE_EXIT)

    watch(lease, lost)
    return lease


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """The task scheduler (Celery beat) behind the `scheduler` lease: a second copy waits as a standby."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hold_lease("scheduler")
    stamp_with_epoch("scheduler")  # the tasks beat sends carry this holding's epoch
    start_sweeper(current_app._get_current_object())
    celery = current_app.extensions["celery"]
    celery.Beat(loglevel="INFO").run()


def start_sweeper(app) -> threading.Thread:
    """Relay stuck follow-up work every SWEEP_SECONDS, in this process (it needs no broker to start)."""
    from tracker.pending_work import SWEEP_SECONDS, sweep

    def run() -> None:
        while True:
            with app.app_context():
                try:
                    sweep()
                except Exception:  # noqa: BLE001 - the database may be restarting: the next sweep tries again
                    log.exception("sweeper: this sweep failed")
                finally:
                    db.session.remove()
            time.sleep(SWEEP_SECONDS)

    thread = threading.Thread(target=run, name="sweeper", daemon=True)
    thread.start()
    return thread


def indexer_node_name() -> str:
    """The index writer's Celery node name, with this host's name in it (`index@db2.example.org`).

    A worker built in code gets no `%h` expansion (only the `celery worker --hostname` option expands it),
    so two hosts' index writers would otherwise share the literal name `index@%h`.
    """
    return host_format("index@%h")


@click.command("indexer")
@with_appcontext
def indexer_command() -> None:
    """The single search-index writer (the `index` queue) behind the `index-writer` lease."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hold_lease("index-writer")
    celery = current_app.extensions["celery"]
    # The solo pool writes in this very process: no forked child can outlive it holding the lease's lock.
    worker = celery.Worker(queues=["index"], concurrency=1, pool="solo", hostname=indexer_node_name(),
                           loglevel="INFO")
    worker.start()
    raise SystemExit(worker.exitcode or 0)


COMMANDS = (scheduler_command, indexer_command)
