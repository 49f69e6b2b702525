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
)


def register_commands(app: Flask) -> None:
    """Add the product's commands to `app.cli` (`flask db ...` comes from Flask-Migrate)."""
    from importlib import import_module

    for name in COMMAND_MODULES:
        module = import_module(name)
        # A module offers one `command`, or several in COMMANDS.
        for command in getattr(module, "COMMANDS", None) or (module.command,):
            app.cli.add_command(command)


def _create_app():
    from tracker import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main():
    """FOIL Tracker: records requests under New York's Freedom of Information Law.

    Settings come from FOILTRACK_* environment variables (see the README).
    """
