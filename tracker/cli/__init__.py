"""The `foiltrack` command: a Flask CLI group with the product's commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

# Each module defines a click command or group (or several, in COMMANDS);
# register_commands adds them to the app's CLI.
COMMAND_MODULES = (
    "tracker.cli.users",
    "tracker.cli.demo",
    "tracker.cli.serve",
    "tracker.cli.ingest",
    "tracker.cli.reminders",
    "tracker.cli.reindex",
    "tracker.cli.importer",
    "tracker.public.residents",
    "tracker.cli.singletons",
    "tracker.cli.doctor",
    "tracker.cli.findings",
)

# Commands that run until stopped: the processes they start make their own units of work.
LONG_RUNNING = ("serve", "scheduler", "indexer")


def register_commands(app: Flask) -> None:
    """Add the product's commands to `app.cli` (`flask db ...` comes from Flask-Migrate)."""
    from importlib import import_module

    from tracker.cli.errors import answer_plainly

    for name in COMMAND_MODULES:
        module = import_module(name)
        # A module offers one `command`, or several in COMMANDS.
        for command in getattr(module, "COMMANDS", None) or (module.command,):
            _one_unit_per_command(command)
            _as_command_line(command)
            answer_plainly(command)  # after the unit of work is wrapped: it rolls back before the answer
            app.cli.add_command(command)
    from flask_migrate.cli import db as migrations  # `foiltrack db ...`, found by Flask's plugin lookup

    answer_plainly(migrations)


def _one_unit_per_command(command: click.Command) -> None:
    """Make each (sub)command one unit of work: committed when it returns, rolled back when it fails."""
    from flask.cli import with_appcontext

    from tracker.dispatch import transactional

    if getattr(command, "_one_unit", False) or command.name in LONG_RUNNING:
        return  # tests build many apps from the same command objects
    command._one_unit = True
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _one_unit_per_command(sub)
    if command.callback is not None and not isinstance(command, click.Group):
        command.callback = with_appcontext(transactional(command.callback))


def _as_command_line(command: click.Command) -> None:
    """Make the audit trail name the command line as the actor of what `command` (and its subcommands) do."""
    from functools import wraps

    from tracker.audit import acting_from_command_line

    for sub in getattr(command, "commands", {}).values():
        _as_command_line(sub)
    original = command.callback
    if original is None or getattr(original, "foiltrack_command_line", False):
        return

    @wraps(original)
    def run(*args, **kwargs):
        with acting_from_command_line():
            return original(*args, **kwargs)

    run.foiltrack_command_line = True
    command.callback = run


def _create_app():
    from tracker import create_service_app

    return create_service_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main():
    """FOIL Tracker: records requests under New York's Freedom of Information Law.

    Settings come from FOILTRACK_* environment variables (see the README).
    """
