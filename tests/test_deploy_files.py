"""The deployment files say what runs: an environment file both systemd and a shell read alike, one gunicorn
control socket per instance, and an index writer whose Celery node name carries its host."""

from __future__ import annotations

import shlex
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / "deploy" / "foiltrack.env.example"


def systemd_values(text: str) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them: comments skipped, one pair of quotes removed."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def test_the_environment_example_reads_the_same_in_a_shell_as_in_systemd():
    expected = systemd_values(ENV_EXAMPLE.read_text())
    assert expected["FOILTRACK_MAIL_FROM"] == "Ban the Scan <foil@foil.example.org>"
    names = " ".join(expected)
    script = (f"set -eu; set -a; . {shlex.quote(str(ENV_EXAMPLE))}; "
              f"for n in {names}; do printf '%s=%s\\0' \"$n\" \"${{!n}}\"; done")
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    from_shell = dict(pair.split("=", 1) for pair in done.stdout.split("\0") if pair)
    assert from_shell == expected


def test_each_web_instance_has_its_own_gunicorn_control_socket(tmp_path):
    from tracker.cli.serve import _processes

    base = {"HOST": "127.0.0.1", "PORT": 5000, "WORKER_CONCURRENCY": 1, "IMAP_HOST": ""}
    one = _processes({**base, "DATA_DIR": str(tmp_path / "one")})["web"]
    two = _processes({**base, "DATA_DIR": str(tmp_path / "two")})["web"]
    sockets = {argv[argv.index("--control-socket") + 1] for argv in (one, two)}
    assert sockets == {str(tmp_path / "one" / "gunicorn.ctl"), str(tmp_path / "two" / "gunicorn.ctl")}
    unit = (ROOT / "deploy" / "foiltrack-web.service").read_text()
    assert "RuntimeDirectory=foiltrack-web" in unit
    assert "--control-socket /run/foiltrack-web/gunicorn.ctl" in unit


def test_the_index_writer_names_its_host():
    from tracker.cli.singletons import indexer_node_name

    assert indexer_node_name() == f"index@{socket.gethostname()}"
