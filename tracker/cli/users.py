"""`foiltrack users`: manage people from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from tracker.audit import cli_actor
from tracker.models import ROLES
from tracker.operations import OperationError, create_user, issue_token, set_active


@click.group("users")
def command():
    """Manage people and their API tokens."""


@command.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the person may do.")
@click.option("--name", default="", help="The person's name.")
@click.option("--token", is_flag=True, help="Print a new API token as the last line.")
@click.option("--no-password", is_flag=True, help="Create the account without a password (API use only).")
@with_appcontext
def create(email: str, role: str, name: str, token: bool, no_password: bool) -> None:
    """Create a person; asks for a password twice on standard input."""
    password = None
    if not no_password:
        password = _read_password()
    try:
        user = create_user(email, role, password=password, name=name, actor=cli_actor())
        secret = issue_token(user, label="created from the command line", actor=cli_actor()) if token else None
    except OperationError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.email} ({user.role}).", err=token)
    if secret:
        click.echo(secret)


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # Piped input: two lines, the password and its confirmation.
    first = sys.stdin.readline().rstrip("\n")
    second = sys.stdin.readline().rstrip("\n")
    if not first:
        raise click.ClickException("no password was given on standard input (or use --no-password)")
    if first != second:
        raise click.ClickException("the two passwords differ")
    return first


@command.command("token")
@click.argument("email")
@with_appcontext
def token(email: str) -> None:
    """Print a new API token for an existing person."""
    secret = issue_token(_person(email), label="created from the command line", actor=cli_actor())
    click.echo(secret)


def _person(email: str):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user has the email {email}")
    return user


@command.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email: str) -> None:
    """Stop a person from signing in: their sessions, remember cookies and API tokens stop working."""
    user = set_active(_person(email), False, actor=cli_actor())
    click.echo(f"Deactivated {user.email}: signed out everywhere; sign-in and API tokens refused.")


@command.command("reactivate")
@click.argument("email")
@with_appcontext
def reactivate(email: str) -> None:
    """Let a deactivated person sign in again (with the password and API tokens they had)."""
    user = set_active(_person(email), True, actor=cli_actor())
    click.echo(f"Reactivated {user.email}: they can sign in again.")
