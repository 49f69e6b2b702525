"""Content-addressed blob store: every raw email and attachment is kept once, under its SHA-256.

A blob with hash ``abcd1234...`` lives at ``root/ab/cd/abcd1234...``. Writes go to a temporary
file in ``root/tmp`` (same filesystem), are flushed to disk and then renamed into place with
``os.replace``, so a reader never sees half a blob and a crash leaves at most a stray temp file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class BlobStore:
    """Blobs on the filesystem under ``root``, addressed by the lower-case SHA-256 hex of their bytes."""

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True):
        self.root = Path(root)
        # fsync makes "stored before anything else" hold across power loss; tests may turn it off.
        self.fsync = fsync

    def path(self, sha: str) -> Path:
        """Where the blob with this hash lives (whether or not it exists); rejects malformed hashes."""
        if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
            raise ValueError(f"not a SHA-256 hex digest (64 lower-case hex characters): {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        """True when the blob is stored."""
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store bytes and return their SHA-256 hex; storing the same bytes again is a no-op."""
        sha = hashlib.sha256(data).hexdigest()
        if self.exists(sha):
            return sha
        return self._commit(sha, [bytes(data)])

    def put_stream(self, stream: BinaryIO) -> str:
        """Store everything read from a binary stream, in chunks, and return its SHA-256 hex."""
        digest = hashlib.sha256()
        tmp_path = self._write_temp(stream, digest)
        sha = digest.hexdigest()
        return self._install(tmp_path, sha)

    def put_file(self, path: str | os.PathLike[str]) -> str:
        """Store a file's contents without reading it all into memory; return its SHA-256 hex."""
        with open(path, "rb") as stream:
            return self.put_stream(stream)

    def adopt(self, path: str | os.PathLike[str]) -> str:
        """Move a finished file (on this filesystem, e.g. under ``root/tmp``) into the store by its hash."""
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
        if self.fsync:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return self._install(Path(path), digest.hexdigest())

    def get(self, sha: str) -> bytes:
        """The blob's bytes; FileNotFoundError when it is not stored."""
        return self.path(sha).read_bytes()

    def open(self, sha: str) -> BinaryIO:
        """The blob opened for binary reading (the caller closes it)."""
        return open(self.path(sha), "rb")

    def _commit(self, sha: str, chunks: list[bytes]) -> str:
        """Write known chunks to a temp file and install it under ``sha``."""
        digest = hashlib.sha256()
        tmp_path = self._write_temp(iter(chunks), digest)
        if digest.hexdigest() != sha:  # the caller's buffer changed under us
            os.unlink(tmp_path)
            raise RuntimeError("blob data changed while it was being stored")
        return self._install(tmp_path, sha)

    def _write_temp(self, source, digest) -> Path:
        """Copy a stream (or an iterator of chunks) into a new temp file, hashing as it goes."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="blob-")
        try:
            with os.fdopen(fd, "wb") as out:
                chunks = iter(lambda: source.read(_CHUNK), b"") if hasattr(source, "read") else source
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                if self.fsync:
                    os.fsync(out.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            raise
        return Path(name)

    def _install(self, tmp_path: Path, sha: str) -> str:
        """Move a finished temp file into place, or drop it when the blob is already there."""
        final = self.path(sha)
        if final.is_file():
            tmp_path.unlink()
            return sha
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Emails and attachments are for the service alone (mkstemp already made it 0600; say so).
        os.chmod(tmp_path, 0o600)
        # os.replace is atomic; two writers racing on the same content both end with the same bytes.
        os.replace(tmp_path, final)
        if self.fsync:
            dir_fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return sha
