"""What FOIL Tracker writes to disk is private to the service's user.

The data folder holds the database, the original emails, every attachment, the search index and the
secret key: nothing there is for other accounts on the machine. Every process of the service (gunicorn's
`tracker.wsgi`, Celery's `tracker.worker`, the `foiltrack` command) builds its app with
`tracker.create_service_app`, which sets the process's umask to 077, so every file it or its children
create (SQLite and its journal, blobs, index segments, the broker's folder) is 0600 and every folder
0700. The umask is process-wide, so `create_app` alone (tests, scripts that embed the app) leaves it
alone; it only creates the folders the settings name as 0700, and the blob store writes 0600 itself.
"""

from __future__ import annotations

import os
from pathlib import Path

# Owner may read, write and enter; group and others nothing.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700


def use_private_umask() -> None:
    """Make everything this process (and its children) creates from now on private to its user."""
    os.umask(PRIVATE_UMASK)


def make_private_folders(folders: list[str | os.PathLike[str]]) -> None:
    """Create `folders` (and missing parents) as 0700; folders that exist are left as they are."""
    for folder in folders:
        path = Path(folder)
        if path.is_dir():
            continue
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask; set it exactly in case the umask was odd.
        path.chmod(PRIVATE_DIR_MODE)
