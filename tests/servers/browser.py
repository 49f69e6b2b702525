"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright, and a live WSGI server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server

from tests.servers.ports import LOOPBACK, find_binary

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the sandbox cannot start as root, which is how CI runs
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Return Debian's Chromium binary, or skip/fail naming the package."""
    return find_binary("chromium", CHROMIUM, package="chromium")


def launch_chromium(playwright):
    """Launch headless Chromium from `chromium_path()` through a started Playwright object."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


@dataclass
class LiveServers:
    """Serves WSGI apps on free loopback ports in background threads until `stop_all()`."""

    servers: list[tuple[BaseWSGIServer, threading.Thread]] = field(default_factory=list)

    def serve(self, app: Callable) -> str:
        """Start serving `app` and return its base URL, e.g. http://127.0.0.1:54321."""
        # Port 0: the kernel picks a free port at bind time, so no other process can take it first.
        server = make_server(LOOPBACK, 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"live-server-{server.server_port}",
                                  daemon=True)
        thread.start()
        self.servers.append((server, thread))
        return f"http://{LOOPBACK}:{server.server_port}"

    __call__ = serve

    def stop_all(self) -> None:
        """Stop every server started here and wait for its thread."""
        while self.servers:
            server, thread = self.servers.pop()
            server.shutdown()
            server.server_close()
            thread.join(10)
