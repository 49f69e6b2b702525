"""Content-addressed blob store on the filesystem."""

import hashlib
import io
import os

import pytest

from ingest.blobs import BlobStore


@pytest.fixture
def store(tmp_path):
    return BlobStore(tmp_path / "blobs")


def test_put_get_round_trip_and_layout(store):
    data = b"From: a@b.org\r\n\r\nhello"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == store.root / sha[:2] / sha[2:4] / sha
    assert store.exists(sha)
    assert store.get(sha) == data
    with store.open(sha) as fh:
        assert fh.read() == data


def test_same_bytes_twice_is_a_no_op(store):
    sha = store.put(b"x" * 10)
    mtime = store.path(sha).stat().st_mtime_ns
    assert store.put(b"x" * 10) == sha
    assert store.path(sha).stat().st_mtime_ns == mtime
    assert store.put_stream(io.BytesIO(b"x" * 10)) == sha
    assert list((store.root / "tmp").iterdir()) == []


def test_empty_blob(store):
    sha = store.put(b"")
    assert sha == hashlib.sha256(b"").hexdigest()
    assert store.get(sha) == b""


def test_put_file_streams_large_files(store, tmp_path):
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 16)
    with open(big, "wb") as out:
        for _ in range(80):  # 5 MiB, several read chunks
            out.write(chunk)
    sha = store.put_file(big)
    assert sha == hashlib.sha256(big.read_bytes()).hexdigest()
    assert store.path(sha).stat().st_size == big.stat().st_size
    assert list((store.root / "tmp").iterdir()) == []


def test_missing_blob(store):
    sha = "0" * 64
    assert not store.exists(sha)
    with pytest.raises(FileNotFoundError):
        store.get(sha)


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "../" + "a" * 61, "A" * 64, "g" * 64, "a" * 63, "a" * 65, "a" * 62 + "/.", None, b"a" * 64],
)
def test_malformed_hashes_are_rejected(store, bad):
    for call in (store.path, store.exists, store.get, store.open):
        with pytest.raises(ValueError):
            call(bad)


def test_failed_stream_leaves_no_temp_file(store):
    class Broken(io.RawIOBase):
        def read(self, n=-1):
            raise OSError("disk went away")

    with pytest.raises(OSError):
        store.put_stream(Broken())
    assert list((store.root / "tmp").iterdir()) == []


def test_without_fsync(tmp_path):
    store = BlobStore(tmp_path, fsync=False)
    assert store.get(store.put(b"abc")) == b"abc"
