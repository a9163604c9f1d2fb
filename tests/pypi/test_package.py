"""The PyPI package as a user gets it: the wheel built around the test command's binary,
installed into a fresh venv (tests/pypi/run.sh), then used the way the README says:
``start()`` from a test, the official Python SDK against it, and ``contentstack-mock`` on
the PATH."""

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import contentstack_management
import pytest

import contentstack_mock
from contentstack_mock import StartError, start


def test_the_binary_is_on_the_path_of_the_venv():
    on_path = shutil.which("contentstack-mock")
    assert on_path is not None
    assert Path(on_path).parent == Path(sys.executable).parent
    assert contentstack_mock.binary_path() == on_path
    version = subprocess.run([on_path, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"contentstack-mock {contentstack_mock.__version__}"


def test_python_dash_m_runs_the_binary_with_its_exit_status():
    done = subprocess.run([sys.executable, "-m", "contentstack_mock", "--no-such-flag"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "no-such-flag" in done.stderr


def test_start_gives_a_mock_the_official_sdk_uploads_to_and_reads_back(tmp_path):
    with start() as mock:
        assert mock.url == f"http://127.0.0.1:{mock.port}"
        assert mock.api_key == "blt0000000000000001"
        client = contentstack_management.Client(
            host=f"127.0.0.1:{mock.port}", scheme="http://", management_token=mock.management_token, timeout=10
        )
        stack = client.stack(mock.api_key)
        file = tmp_path / "logo.png"
        file.write_bytes(b"a file uploaded through the PyPI package")
        created = stack.assets().upload(str(file))
        assert created.status_code == 201, created.text
        asset = created.json()["asset"]
        fetched = stack.assets(asset["uid"]).fetch()
        assert fetched.status_code == 200
        assert fetched.json()["asset"]["filename"] == "logo.png"
        # The url names the address the SDK used, so it downloads from here.
        assert asset["url"].startswith(f"http://127.0.0.1:{mock.port}/v3/assets/{mock.api_key}/{asset['uid']}/")
        with urllib.request.urlopen(asset["url"]) as answer:
            assert answer.read() == file.read_bytes()
    assert mock.process.returncode == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{mock.url}/_mock/health", timeout=2)


def test_two_mocks_are_isolated():
    with start() as first, start() as second:
        assert first.port != second.port
        request = urllib.request.Request(
            f"{first.url}/_mock/stacks", data=json.dumps({"name": "only here"}).encode(), method="POST"
        )
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 201

        def names(mock):
            with urllib.request.urlopen(f"{mock.url}/_mock/stacks") as answer:
                return [stack["name"] for stack in json.load(answer)["stacks"]]

        assert "only here" in names(first)
        assert "only here" not in names(second)


def test_a_failed_start_says_why():
    with pytest.raises(StartError, match=r"(?s)exited with 2.*soon"):
        start(args=["--trash-retention", "soon"])


def test_a_data_dir_is_kept_between_starts(tmp_path):
    with start(data_dir=str(tmp_path / "data")) as mock:
        request = urllib.request.Request(f"{mock.url}/_mock/stacks", data=b'{"name": "kept"}', method="POST")
        urllib.request.urlopen(request).close()
    with start(data_dir=str(tmp_path / "data")) as mock:
        with urllib.request.urlopen(f"{mock.url}/_mock/stacks") as answer:
            assert "kept" in [s["name"] for s in json.load(answer)["stacks"]]


def test_the_command_stops_cleanly_on_sigterm():
    process = subprocess.Popen(
        ["contentstack-mock", "--ephemeral", "--listen", "127.0.0.1:0", "--log", "warn"], stdout=subprocess.PIPE, text=True
    )
    first_line = process.stdout.readline()
    assert "listening on http://" in first_line
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0


def test_an_override_binary_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTENTSTACK_MOCK_BINARY", str(tmp_path / "elsewhere"))
    assert contentstack_mock.binary_path() == str((tmp_path / "elsewhere").resolve())
    monkeypatch.delenv("CONTENTSTACK_MOCK_BINARY")
    assert os.path.basename(contentstack_mock.binary_path()) == "contentstack-mock"
