"""contentstack-mock for Python: the binary this wheel carries, ``start()`` to run one
on a free port for a test (or a script) and stop it afterwards, and the test kit
(``start_mock()``, stacks with their controls: kit.py; the pytest plugin:
pytest_plugin.py; a testcontainers-python module: testcontainers.py).

    from contentstack_mock import start

    with start() as mock:
        print(mock.url, mock.api_key, mock.management_token)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping, Optional, Sequence

__all__ = ["Mock", "MockError", "MockServer", "Stack", "StartError", "binary_path", "start", "start_mock", "__version__"]

__version__ = "0.1.0"

_EXE = "contentstack-mock.exe" if os.name == "nt" else "contentstack-mock"
# How much of the binary's stderr is kept to explain a failed start.
_STDERR_TAIL_BYTES = 8 * 1024


class StartError(RuntimeError):
    """The mock did not start: the message says why, with the end of its log."""


def binary_path() -> str:
    """The binary: ``CONTENTSTACK_MOCK_BINARY`` when set, otherwise the one this wheel put
    in the environment's scripts folder (or the user's, for ``pip install --user``)."""
    override = os.environ.get("CONTENTSTACK_MOCK_BINARY")
    if override:
        return str(Path(override).resolve())
    candidates = [Path(sysconfig.get_path("scripts")) / _EXE]
    user_scheme = sysconfig.get_preferred_scheme("user") if hasattr(sysconfig, "get_preferred_scheme") else None
    if user_scheme:
        candidates.append(Path(sysconfig.get_path("scripts", user_scheme)) / _EXE)
    candidates.append(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin") / _EXE)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(_EXE)
    if found:
        return found
    raise StartError(
        "the contentstack-mock binary is not installed next to this package "
        f"(looked in {', '.join(str(c.parent) for c in candidates)} and on PATH): reinstall the "
        "platform wheel, or set CONTENTSTACK_MOCK_BINARY to a binary built from source"
    )


@dataclass
class MockServer:
    """A running contentstack-mock."""

    url: str
    """Base URL of the HTTP listener, e.g. ``http://127.0.0.1:41234``."""
    host: str
    port: int
    api_key: str
    """The default stack's api_key and management token."""
    management_token: str
    process: subprocess.Popen
    https_url: Optional[str] = None
    """Base URL of the HTTPS listener, when ``--tls-listen`` was given."""
    certificate: Optional[str] = None
    """The self-signed certificate to trust, when there is an HTTPS listener."""
    stop_timeout: float = 15.0
    _stderr_tail: list = field(default_factory=list, repr=False)

    def stop(self) -> None:
        """Stops the mock (SIGTERM, then waits for it to exit; SIGKILL after
        ``stop_timeout`` seconds)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "MockServer":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


_BANNER = {
    "url": re.compile(r"listening on (http://\S+)"),
    "https_url": re.compile(r"https:\s+(https://\S+)"),
    "certificate": re.compile(r"tls certificate:\s+(.+)"),
    "api_key": re.compile(r"default stack:\s+api_key (\S+)"),
    "management_token": re.compile(r"management token:\s+(\S+)"),
}


def _drain(stream: IO[bytes], tail: list, echo: Optional[IO[str]]) -> None:
    """Reads the binary's stderr to the end, so it never blocks on a full pipe."""
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        if echo is not None:
            echo.write(line)
        tail.append(line)
        while sum(len(x) for x in tail) > _STDERR_TAIL_BYTES:
            tail.pop(0)


def start(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ephemeral: bool = True,
    data_dir: Optional[str] = None,
    args: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    log: str = "warn",
    stderr: Optional[IO[str]] = None,
    binary: Optional[str] = None,
    timeout: float = 10.0,
) -> MockServer:
    """Starts a contentstack-mock and returns once it serves requests. Use it as a context
    manager (``with start() as mock:``) or call ``stop()``.

    ``port=0`` picks a free port; ``ephemeral`` keeps the data in a temporary folder
    removed at exit (``data_dir`` keeps it instead); ``args`` are more flags, ``env`` more
    ``CSMOCK_*`` settings; ``stderr`` receives the binary's log lines.
    """
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [binary or binary_path(), "serve", "--listen", listen, "--log", log]
    if data_dir:
        command += ["--data-dir", str(data_dir)]
    elif ephemeral:
        command.append("--ephemeral")
    command += list(args)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    tail: list = []
    threading.Thread(target=_drain, args=(process.stderr, tail, stderr), daemon=True).start()

    found: dict = {}
    lines: list = []
    reader_done = threading.Event()

    def read_banner() -> None:
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            for key, pattern in _BANNER.items():
                match = pattern.search(line)
                if match and key not in found:
                    found[key] = match.group(1).strip()
            if "management_token" in found:
                break
        reader_done.set()
        # Keep reading, so the binary never blocks on a full stdout pipe.
        for _ in iter(process.stdout.readline, b""):
            pass

    threading.Thread(target=read_banner, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not reader_done.wait(0.02):
        if time.monotonic() > deadline:
            break
    if not {"url", "api_key", "management_token"} <= found.keys():
        if process.poll() is None:
            process.kill()
        process.wait()
        time.sleep(0.05)  # the stderr reader's last lines
        why = f"it exited with {process.returncode}" if reader_done.is_set() else f"no banner within {timeout} s"
        log_tail = "".join(tail).strip()
        raise StartError(f"contentstack-mock did not start: {why}" + (f"\n{log_tail}" if log_tail else ""))
    url = found["url"]
    address = url.split("://", 1)[1]
    bound_host, _, bound_port = address.rpartition(":")
    return MockServer(
        url=url,
        host=bound_host.strip("[]"),
        port=int(bound_port),
        api_key=found["api_key"],
        management_token=found["management_token"],
        process=process,
        https_url=found.get("https_url"),
        certificate=found.get("certificate"),
        _stderr_tail=tail,
    )


from .kit import Mock, MockError, Stack, start_mock  # noqa: E402 (the kit starts mocks with start())
