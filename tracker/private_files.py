"""What FOIL Tracker writes to disk is private to the service's user.

The data folder holds the database, the original emails, every attachment, the search index and the
secret key: nothing there is for other accounts on the machine. Every process of the service builds the
app with `create_app`, which sets the process's umask here, so every file it or its children create
(SQLite and its journal, blobs, index segments, the broker's folder) is 0600 and every folder 0700;
the folders the settings name are also created with those modes explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

# Owner may read, write and enter; group and others nothing.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700


def make_private(folders: list[str | os.PathLike[str]]) -> None:
    """Set the process umask to 0077 and create `folders` (and missing parents) as 0700."""
    os.umask(PRIVATE_UMASK)
    for folder in folders:
        path = Path(folder)
        if path.is_dir():
            continue
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask; set it exactly in case a caller's umask was odd.
        path.chmod(PRIVATE_DIR_MODE)
