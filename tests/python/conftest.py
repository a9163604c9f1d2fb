"""Fixtures: one real contentstack-mock per test module (a fresh default stack),
and the files the tests upload."""

import pytest

import csmock


@pytest.fixture(scope="module")
def server():
    srv = csmock.Server()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("csmock-py")
    f = {
        "hello": d / "hello.txt",
        "hello_bytes": b"hello from the official Python SDK\n",
        "png": d / "pixel.png",
        "bin": d / "all-bytes.bin",
        "replacement": d / "replacement.txt",
        "replacement_bytes": b"replaced content, longer than the first one\n",
    }
    f["hello"].write_bytes(f["hello_bytes"])
    f["png"].write_bytes(csmock.PNG_3X2)
    f["bin"].write_bytes(csmock.ALL_BYTES)
    f["replacement"].write_bytes(f["replacement_bytes"])
    return {k: (str(v) if hasattr(v, "write_bytes") else v) for k, v in f.items()}


@pytest.fixture
def stack(server):
    """The default stack, on a client of its own."""
    return csmock.stack(server)
