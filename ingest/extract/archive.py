"""Zip archives: bounded listing and member extraction that refuse zip bombs by their sizes."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from .result import Limits

_CHUNK = 1 << 16
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")


class ArchiveRefused(Exception):
    """The archive exceeds a limit (members, total size, ratio, depth) or cannot be read."""


def safe_member_name(name: str) -> str:
    """A member name with no absolute path, drive, '..', control or shell-special characters."""
    parts = []
    for part in name.replace("\\", "/").split("/"):
        part = _UNSAFE.sub("_", part).strip(" .")
        if part and part != "..":
            parts.append(part[:120])
    return "/".join(parts)[-240:] or "unnamed"


def _check(infos: list[zipfile.ZipInfo], limits: Limits, budget: list[int]) -> None:
    """Refuse before inflating anything when the declared sizes break a limit."""
    if len(infos) > limits.zip_max_members:
        raise ArchiveRefused(f"too many members ({len(infos)} > {limits.zip_max_members})")
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"encrypted member {info.filename!r}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > (1 << 20) and ratio > limits.zip_max_ratio:
            raise ArchiveRefused(f"member {info.filename!r} inflates {ratio:.0f}x: a zip bomb")
        budget[0] -= info.file_size
        if budget[0] < 0:
            raise ArchiveRefused(f"uncompressed size over {limits.zip_max_total_mb} MB")


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """Inflate one member, stopping if it produces more than it declared or the budget allows."""
    out = io.BytesIO()
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            out.write(chunk)
            if out.tell() > info.file_size or out.tell() > budget[0] + info.file_size:
                raise ArchiveRefused(f"member {info.filename!r} inflates past its declared size")
    return out.getvalue()


def _walk(source, limits: Limits, depth: int, prefix: str, budget: list[int], members: list[dict]):
    """Collect members recursively, expanding nested zips up to ``limits.zip_max_depth`` levels."""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            _check(infos, limits, budget)
            for info in infos:
                name = posixpath.join(prefix, safe_member_name(info.filename)) if prefix else None
                name = name or safe_member_name(info.filename)
                data = _read(zf, info, budget)
                if depth < limits.zip_max_depth and data.startswith(b"PK\x03\x04"):
                    budget[0] += len(data)  # the inner members are counted instead
                    _walk(io.BytesIO(data), limits, depth + 1, name, budget, members)
                else:
                    members.append({"name": name, "data": data})
                if len(members) > limits.zip_max_members:
                    raise ArchiveRefused(f"too many members (over {limits.zip_max_members})")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise ArchiveRefused(f"corrupt: {exc}") from exc


def extract_zip_members(path_or_data, limits: Limits | None = None) -> list[tuple[str, bytes]]:
    """(safe name, bytes) of every file in a zip, nested zips expanded; raises ArchiveRefused."""
    limits = limits or Limits()
    source = io.BytesIO(path_or_data) if isinstance(path_or_data, bytes | bytearray) else path_or_data
    members: list[dict] = []
    budget = [limits.zip_max_total_mb << 20]
    _walk(source, limits, 1, "", budget, members)
    return [(m["name"], m["data"]) for m in members]


def list_zip_members(path: str, limits: Limits) -> list[tuple[str, int]]:
    """(safe name, size) of every member, checked against the limits; raises ArchiveRefused."""
    return [(name, len(data)) for name, data in extract_zip_members(path, limits)]


def check_container(path: str, limits: Limits) -> None:
    """Refuse an Office container (DOCX, XLSX, ODT are zips) whose declared sizes make it a bomb."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check([i for i in zf.infolist() if not i.is_dir()], limits, [limits.zip_max_total_mb << 20])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise ArchiveRefused(f"corrupt: {exc}") from exc
