"""A throwaway Dovecot IMAP server on a free loopback port, with helpers to fill and inspect its mailbox."""

from __future__ import annotations

import getpass
import grp
import imaplib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers.ports import (
    LOOPBACK,
    die_with_parent,
    find_binary,
    free_port,
    missing,
    stop_process,
    wait_for_port,
)

USER = "foil@example.org"
PASSWORD = "imap-test-password"

# Dovecot 2.3 syntax. Every path lives in the temp dir so that nothing touches /etc/dovecot or /var/run.
CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests of wrong passwords should not wait the default two seconds.
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {first_uid}
mail_location = maildir:{root}/mail/%u
# IDLE clients hear of new mail through inotify; the interval is only the fallback check.
mailbox_idle_check_interval = 1 secs
imap_idle_notify_interval = 1 mins
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service anvil {{
  chroot = {anvil_chroot}
  # No growing delay after failed logins from 127.0.0.1: tests of bad passwords would slow the rest.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot = {login_chroot}
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class DovecotServer:
    """A running Dovecot with one account; `host`, `port`, `user`, `password` are what a client needs."""

    root: Path
    port: int
    host: str = LOOPBACK
    user: str = USER
    password: str = PASSWORD
    mailbox: str = "INBOX"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        """The dovecot.conf this server runs with."""
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        """The file Dovecot and its children log to."""
        return self.root / "dovecot.log"

    def connect(self) -> imaplib.IMAP4:
        """Return a stdlib IMAP client, logged in."""
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, mailbox: str = "INBOX", flags: str = "") -> int:
        """Deliver one raw RFC 5322 message into `mailbox` (created if needed) and return its UID."""
        client = self.connect()
        try:
            if mailbox.upper() != "INBOX":
                client.create(_quote(mailbox))  # NO when it exists already, which is fine
            typ, data = client.append(_quote(mailbox), f"({flags})" if flags else None, None, raw)
            _check(typ, data, "APPEND")
            # Dovecot answers with UIDPLUS: "[APPENDUID <uidvalidity> <uid>] Append completed."
            match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            if not match:
                raise RuntimeError(f"Dovecot did not report the appended UID: {data!r}")
            return int(match.group(1))
        finally:
            client.logout()

    def list_uids(self, mailbox: str = "INBOX") -> list[int]:
        """Return the UIDs of the messages in `mailbox`, ascending (deleted-but-not-expunged included)."""
        client = self.connect()
        try:
            _check(*client.select(_quote(mailbox), readonly=True), "SELECT")
            typ, data = client.uid("SEARCH", "ALL")
            _check(typ, data, "UID SEARCH")
            return sorted(int(uid) for uid in (data[0] or b"").split())
        finally:
            client.logout()

    def flags(self, uid: int, mailbox: str = "INBOX") -> set[str]:
        """Return the flags of message `uid` (e.g. {"\\\\Seen"}); KeyError if there is no such message."""
        client = self.connect()
        try:
            _check(*client.select(_quote(mailbox), readonly=True), "SELECT")
            typ, data = client.uid("FETCH", str(uid), "(FLAGS)")
            _check(typ, data, "UID FETCH")
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                if line and re.search(rb"UID %d\b" % uid, line):
                    found = re.search(rb"FLAGS \(([^)]*)\)", line)
                    return set((found.group(1) if found else b"").decode().split())
            raise KeyError(f"no message with UID {uid} in {mailbox}")
        finally:
            client.logout()

    def fetch(self, uid: int, mailbox: str = "INBOX") -> bytes:
        """Return the raw bytes of message `uid` without marking it seen."""
        client = self.connect()
        try:
            _check(*client.select(_quote(mailbox), readonly=True), "SELECT")
            typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            _check(typ, data, "UID FETCH")
            for item in data:
                if isinstance(item, tuple):
                    return item[1]
            raise KeyError(f"no message with UID {uid} in {mailbox}")
        finally:
            client.logout()

    def clear(self) -> None:
        """Expunge every message in INBOX and delete every other mailbox, so a test starts from empty."""
        client = self.connect()
        try:
            typ, data = client.list()
            _check(typ, data, "LIST")
            names = [_mailbox_name(line) for line in data if line]
            # Children before parents: Dovecot refuses to delete a mailbox that still has children.
            for name in sorted((n for n in names if n.upper() != "INBOX"), key=len, reverse=True):
                _check(*client.delete(_quote(name)), f"DELETE {name}")
            typ, data = client.select("INBOX")
            _check(typ, data, "SELECT")
            if int(data[0]) > 0:  # "1:*" is not a valid set in an empty mailbox
                _check(*client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
                _check(*client.expunge(), "EXPUNGE")
        finally:
            client.logout()

    def stop(self) -> None:
        """Stop the server and its children."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def start_dovecot() -> DovecotServer:
    """Start Dovecot in a fresh temp dir on a free port and return it once it answers IMAP."""
    dovecot = find_binary("dovecot", "/usr/sbin/dovecot", package="dovecot-imapd")
    if not Path("/usr/lib/dovecot/imap").exists():
        missing("Dovecot's IMAP service is absent: install the Debian package dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="foiltrack-dovecot-"))
    # Dovecot's unprivileged processes must reach the config, sockets and mail below this dir.
    root.chmod(0o755)
    server = DovecotServer(root=root, port=free_port())
    mail_user, login_user, internal_user, internal_group = _accounts()
    mail = root / "mail"
    mail.mkdir()
    entry = pwd.getpwnam(mail_user)
    os.chown(mail, entry.pw_uid, entry.pw_gid)
    (root / "users").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    # Dovecot's auth process reads these as another user, whatever umask the test process has
    # (an app made by an earlier test sets a private one, tracker/private_files.py).
    (root / "users").chmod(0o644)
    server.config_path.write_text(CONFIG.format(
        host=server.host, port=server.port, root=root, login_user=login_user,
        internal_user=internal_user, internal_group=internal_group,
        # Only root can chroot (these are Dovecot's defaults).
        login_chroot="login" if os.geteuid() == 0 else "", anvil_chroot="empty" if os.geteuid() == 0 else "",
        first_uid=min(100, entry.pw_uid), mail_user=entry.pw_uid,
        mail_group=entry.pw_gid,
    ))
    server.config_path.chmod(0o644)
    # Output goes to a file: the daemon's children inherit it and would keep a pipe open forever.
    with open(root / "dovecot.out", "wb") as out:
        server.process = subprocess.Popen(
            [dovecot, "-F", "-c", str(server.config_path)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent,
        )
    try:
        wait_for_port(server.port, process=server.process, log=server.log_path)
    except BaseException:
        stop_dovecot(server)
        raise
    return server


def stop_dovecot(server: DovecotServer) -> None:
    """Stop the server and delete its temp dir."""
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


def _accounts() -> tuple[str, str, str, str]:
    """Return (mail owner, login user, internal user, internal group): Dovecot's as root, ours otherwise."""
    if os.geteuid() == 0:
        return "dovecot", "dovenull", "dovecot", "dovecot"
    me = getpass.getuser()
    return me, me, me, grp.getgrgid(os.getegid()).gr_name


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mailbox_name(line: bytes) -> str:
    # A LIST line reads: (\HasNoChildren) "." "Name" or (\HasNoChildren) "." Name
    name = line.decode().split(") ", 1)[1].split(" ", 1)[1]
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return name


def _check(typ: str, data: list, what: str) -> None:
    if typ != "OK":
        raise RuntimeError(f"IMAP {what} failed: {typ} {data!r}")
