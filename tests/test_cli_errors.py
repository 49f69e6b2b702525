"""Which failures every command answers in one line, and which it leaves to the command that knows its peer."""

from __future__ import annotations

import errno
import ssl

import pytest

from tracker.cli.errors import os_error_line


@pytest.mark.parametrize(("error", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device", "/data/blobs/tmp/blob-1"),
     "the disk is full: could not write /data/blobs/tmp/blob-1 (No space left on device)"),
    (OSError(errno.EDQUOT, "Disk quota exceeded", "/data/x"), "the disk is full"),
    (OSError(errno.EROFS, "Read-only file system", "/data/blobs/ab"),
     "cannot write /data/blobs/ab: the file system is read-only"),
    (PermissionError(errno.EACCES, "Permission denied", "/data/index"), "cannot write /data/index: permission denied"),
    (PermissionError(errno.EPERM, "Operation not permitted"), None),  # no file named: not ours to explain
    (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), None),  # errno 1 is not EPERM here
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), None),
    (FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere"), None),
])
def test_the_machine_failures_that_get_one_line(error, expected):
    line = os_error_line(error)
    if expected is None:
        assert line is None
    else:
        assert line is not None and line.startswith(expected) and "run the command again" in line
