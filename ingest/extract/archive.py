"""Zip archives, unpacked inside the sandboxed child under one budget for every nesting level.

``unpack_zip`` streams each member to a file named by its SHA-256 in a folder the parent chose, never
holding a member in memory. One ``ArchiveBudget`` (bytes written and entries, shared by every nested
zip and, through the caller, by every archive of one email) bounds the work; the nesting depth, each
member's inflation ratio, overlapping entries (the "better zip bomb" construction) and an archive that
contains itself (a zip quine) are refused. Any refusal refuses the whole archive: the caller keeps it
as one document with the error and nothing else.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .mediatypes import ZIP, sniff
from .result import Limits

_CHUNK = 1 << 16
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name and extra-field lengths
_LOCAL_SIGNATURE = b"PK\x03\x04"
# Small members may inflate a lot (a page of spaces); the ratio is only judged past this size.
_RATIO_FLOOR = 1 << 20


class ArchiveRefused(Exception):
    """The archive breaks a limit (members, bytes, ratio, depth, overlap, quine) or cannot be read."""


@dataclass
class ArchiveBudget:
    """What one email's archives may still write: bytes and entries, across every nesting level."""

    bytes_left: int
    members_left: int

    @classmethod
    def from_limits(cls, limits: Limits) -> ArchiveBudget:
        """The whole budget of ``limits`` (zip_max_total_mb, zip_max_members)."""
        return cls(limits.zip_max_total_mb << 20, limits.zip_max_members)


@dataclass
class ArchiveMember:
    """One file unpacked from an archive: stored as ``<folder>/<sha256>``."""

    name: str
    size: int
    sha256: str
    media_type: str


def safe_member_name(name: str) -> str:
    """A member name with no absolute path, drive, '..', control or shell-special characters."""
    parts = []
    for part in name.replace("\\", "/").split("/"):
        part = _UNSAFE.sub("_", part).strip(" .")
        if part and part != "..":
            parts.append(part[:120])
    return "/".join(parts)[-240:] or "unnamed"


def _check_declared(infos: list[zipfile.ZipInfo], limits: Limits, budget: ArchiveBudget) -> None:
    """Refuse before inflating anything when the declared sizes already break a limit."""
    declared = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"encrypted member {info.filename!r}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.zip_max_ratio:
            raise ArchiveRefused(f"zip bomb: member {info.filename!r} inflates {ratio:.0f}x")
        declared += info.file_size
    if declared > budget.bytes_left:
        shared = budget.bytes_left < limits.zip_max_total_mb << 20
        raise ArchiveRefused(f"uncompressed size over {limits.zip_max_total_mb} MB" + (
            f" with what the other archives of the same email or upload batch unpacked (this one unpacks "
            f"{declared / (1 << 20):.1f} MB; {max(0, budget.bytes_left) / (1 << 20):.1f} MB were left)"
            if shared else ""))


def _check_layout(fh, infos: list[zipfile.ZipInfo], file_size: int) -> None:
    """Refuse entries whose compressed bytes overlap another's or lie outside the file.

    Overlapping entries let a few kilobytes stand for terabytes (each entry re-reads the same kernel),
    and no zip tool writes them.
    """
    spans = []
    for info in infos:
        fh.seek(info.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size:
            raise ArchiveRefused(f"corrupt: member {info.filename!r} starts past the end of the file")
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        if signature != _LOCAL_SIGNATURE:
            raise ArchiveRefused(f"corrupt: member {info.filename!r} has no local header")
        end = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length + info.compress_size
        if end > file_size:
            raise ArchiveRefused(f"corrupt: member {info.filename!r} runs past the end of the file")
        spans.append((info.header_offset, end, info.filename))
    spans.sort()
    for (_, end, name), (start, _, following) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ArchiveRefused(f"zip bomb: entries {name!r} and {following!r} overlap")


class _Unpacker:
    """One walk over an archive and the zips nested in it, sharing one budget."""

    def __init__(self, folder: Path, limits: Limits, budget: ArchiveBudget):
        self.folder, self.limits, self.budget = folder, limits, budget
        self.members: list[ArchiveMember] = []

    def walk(self, path: Path, prefix: str, depth: int, ancestors: frozenset[str]) -> None:
        """Unpack every member of the zip at ``path``; nested zips are walked, not kept."""
        try:
            with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
                infos = [i for i in zf.infolist() if not i.is_dir()]
                if len(infos) > self.budget.members_left:
                    raise ArchiveRefused(f"too many members (over {self.limits.zip_max_members} in all)")
                _check_layout(fh, infos, os.fstat(fh.fileno()).st_size)
                _check_declared(infos, self.limits, self.budget)
                for info in infos:
                    self._member(zf, info, prefix, depth, ancestors)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
            raise ArchiveRefused(f"corrupt: {exc}") from exc

    def _member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, prefix: str, depth: int, ancestors) -> None:
        """Inflate one member to a file, then keep it, or walk it when it is itself a zip."""
        self.budget.members_left -= 1
        if self.budget.members_left < 0:
            raise ArchiveRefused(f"too many members (over {self.limits.zip_max_members} in all)")
        name = safe_member_name(info.filename)
        name = posixpath.join(prefix, name) if prefix else name
        staged, sha, size = self._inflate(zf, info)
        media_type = sniff(staged, name)
        if media_type != ZIP:
            final = self.folder / sha
            if final.exists():
                staged.unlink()
            else:
                staged.rename(final)
            self.members.append(ArchiveMember(name, size, sha, media_type))
            return
        try:
            if sha in ancestors:
                raise ArchiveRefused(f"zip bomb: {name!r} is the archive that holds it (a zip quine)")
            if depth >= self.limits.zip_max_depth:
                raise ArchiveRefused(f"zip bomb: archives nested deeper than {self.limits.zip_max_depth} levels")
            self.walk(staged, name, depth + 1, ancestors | {sha})
        finally:
            staged.unlink()

    def _inflate(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[Path, str, int]:
        """Stream one member to a temporary file, counting every byte against the budget and its ratio."""
        most = max(_RATIO_FLOOR, self.limits.zip_max_ratio * max(info.compress_size, 1))
        digest, written = hashlib.sha256(), 0
        fd, staged = tempfile.mkstemp(dir=self.folder, prefix="member-")
        try:
            with os.fdopen(fd, "wb") as out, zf.open(info) as source:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > most:
                        raise ArchiveRefused(
                            f"zip bomb: member {info.filename!r} inflates over {self.limits.zip_max_ratio}x"
                        )
                    if written > self.budget.bytes_left:
                        raise ArchiveRefused(f"uncompressed size over {self.limits.zip_max_total_mb} MB")
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            os.unlink(staged)
            raise
        self.budget.bytes_left -= written
        return Path(staged), digest.hexdigest(), written


def file_sha256(path) -> str:
    """SHA-256 hex of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def unpack_zip(path, folder, limits: Limits, budget: ArchiveBudget | None = None) -> list[ArchiveMember]:
    """Unpack a zip and the zips nested in it into ``folder``; raises ArchiveRefused on any limit.

    Every member lands in ``folder`` as a file named by its SHA-256. On a refusal the files this call
    wrote are removed again, so a refused archive leaves nothing behind.
    """
    folder = Path(folder)
    budget = budget or ArchiveBudget.from_limits(limits)
    unpacker = _Unpacker(folder, limits, budget)
    before = {p.name for p in folder.iterdir()}
    try:
        unpacker.walk(Path(path), "", 1, frozenset({file_sha256(path)}))
    except (ArchiveRefused, OSError, RecursionError) as exc:
        for stray in folder.iterdir():
            if stray.name not in before:
                stray.unlink()
        if isinstance(exc, ArchiveRefused):
            raise
        raise ArchiveRefused(f"corrupt: {exc}") from exc
    return unpacker.members


def check_container(path: str, limits: Limits) -> None:
    """Refuse an Office container (DOCX, XLSX, ODT are zips) whose declared sizes make it a bomb."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > limits.zip_max_members:
                raise ArchiveRefused(f"too many members ({len(infos)} > {limits.zip_max_members})")
            _check_layout(fh, infos, os.fstat(fh.fileno()).st_size)
            _check_declared(infos, limits, ArchiveBudget.from_limits(limits))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise ArchiveRefused(f"corrupt: {exc}") from exc
