"""The test kit: a running contentstack-mock seen through its ``/_mock`` API. ``Mock`` makes
fresh stacks; ``Stack`` carries a stack's credentials, options for the official SDKs and its
controls (clock, faults, trash, snapshots, request journal, rate limits, reset). Standard
library only (urllib).

    from contentstack_mock import start_mock

    with start_mock() as mock:
        stack = mock.stack()
        stack.clock.advance(days=14)
"""

from __future__ import annotations

import atexit
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

__all__ = ["Mock", "MockError", "Stack", "start_mock"]

# The delivery token of a kit stack reads its environments and the `main` branch.
_BRANCH_SCOPE = {"module": "branch", "branches": ["main"], "acl": {"read": True}}
_UNITS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


class MockError(RuntimeError):
    """An error answered by the mock: ``status``, and Contentstack's ``error_code`` and
    ``errors``."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        message = body.get("error_message") if isinstance(body, dict) else None
        super().__init__(f"{method} {path}: {status} {message or body or f'HTTP {status}'}")
        self.status = status
        self.error_code: Optional[int] = body.get("error_code") if isinstance(body, dict) else None
        self.errors: Dict[str, List[str]] = (body.get("errors") if isinstance(body, dict) else None) or {}
        self.body = body


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Mock:
    """A contentstack-mock reached at ``url``.

    ``stop()`` stops the mock when this process started it (``server``); on a mock it
    attached to, it deletes the stacks made through this object and leaves it running.
    """

    def __init__(self, url: str, *, admin_token: Optional[str] = None, server: Any = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.server = server
        self.timeout = timeout
        self._made: set = set()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """Calls the mock; returns the parsed JSON body (``None`` for an empty one) or raises
        ``MockError``."""
        url = self.url + path
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        sent = dict(headers or {})
        if self.admin_token and path.startswith("/_mock/"):
            sent["Authorization"] = f"Bearer {self.admin_token}"
        data = None
        if json_body is not None:
            sent["Content-Type"] = "application/json"
            data = json.dumps(json_body).encode()
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return _decode(answer.read())
        except urllib.error.HTTPError as error:
            raise MockError(method, path, error.code, _decode(error.read())) from None

    def health(self) -> Dict[str, Any]:
        """``GET /_mock/health``: ``{"status", "version"}``."""
        return self.request("GET", "/_mock/health")

    def stacks(self) -> List[Dict[str, Any]]:
        """Every stack of the mock, with its credentials."""
        return self.request("GET", "/_mock/stacks")["stacks"]

    def stack(
        self,
        name: Optional[str] = None,
        *,
        user_name: Optional[str] = None,
        environments: Optional[Sequence[str]] = None,
        master_locale: Optional[str] = None,
        rate_limits: Optional[bool] = None,
        api_key: Optional[str] = None,
        management_token: Optional[str] = None,
    ) -> "Stack":
        """A fresh, isolated stack, with a delivery token for its environments (default
        ``["development"]``)."""
        body: Dict[str, Any] = {"name": name or f"test stack {time.time_ns():x}"}
        for key, value in (
            ("user_name", user_name),
            ("environments", list(environments) if environments is not None else None),
            ("master_locale", master_locale),
            ("rate_limits", rate_limits),
            ("api_key", api_key),
            ("management_token", management_token),
        ):
            if value is not None:
                body[key] = value
        info = self.request("POST", "/_mock/stacks", json_body=body)["stack"]
        self._made.add(info["api_key"])
        stack = Stack(self, info, list(environments) if environments is not None else ["development"])
        if stack.environments:
            stack._make_delivery_token()
        return stack

    def reset(self) -> None:
        """``POST /_mock/reset``: every stack removed, the default stack re-created."""
        self.request("POST", "/_mock/reset")
        self._made.clear()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            return
        made, self._made = self._made, set()
        for api_key in made:
            try:
                self.request("DELETE", f"/_mock/stacks/{api_key}")
            except MockError as error:
                if error.status != 404:
                    raise

    def __enter__(self) -> "Mock":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class _Controls:
    def __init__(self, stack: "Stack") -> None:
        self._stack = stack

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._stack._call(method, path, **kwargs)


class Clock(_Controls):
    """The stack's own clock."""

    def now(self) -> datetime:
        return _parse_time(self.get()["now"])

    def get(self) -> Dict[str, Any]:
        """``{"now", "offset_seconds", "frozen"}``."""
        return self._call("GET", "/clock")

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> Dict[str, Any]:
        """Moves the clock forward; returns once due publishes and purges ran:
        ``{"now", ..., "published", "purged"}``."""
        given = {k: v for k, v in (("days", days), ("hours", hours), ("minutes", minutes), ("seconds", seconds)) if v}
        if not given:
            raise ValueError("advance() needs days, hours, minutes or seconds")
        if len(given) == 1:
            body = given
        else:
            body = {"seconds": sum(v * _UNITS[k] for k, v in given.items())}
        return self._call("POST", "/clock/advance", json_body=body)

    def set(self, now: Union[datetime, str]) -> Dict[str, Any]:
        """Sets the clock to a later time."""
        value = now.isoformat() if isinstance(now, datetime) else now
        return self._call("PUT", "/clock", json_body={"now": value})

    def freeze(self) -> Dict[str, Any]:
        return self._call("POST", "/clock/freeze")

    def resume(self) -> Dict[str, Any]:
        return self._call("POST", "/clock/resume")

    def reset(self) -> Dict[str, Any]:
        """Back to real time."""
        return self._call("DELETE", "/clock")


class Faults(_Controls):
    """Armed faults: the next matching ``/v3`` requests answer an error."""

    def add(
        self,
        status: int,
        *,
        count: Optional[int] = None,
        path: Optional[str] = None,
        method: Optional[str] = None,
        scope: Optional[str] = None,
    ) -> Dict[str, Any]:
        body = {k: v for k, v in (("status", status), ("count", count), ("path", path), ("method", method), ("scope", scope)) if v is not None}
        return self._call("POST", "/faults", json_body=body)["fault"]

    def list(self) -> List[Dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def clear(self) -> None:
        self._call("DELETE", "/faults")


class Trash(_Controls):
    """The stack's trash."""

    def list(self, **query: Any) -> Dict[str, Any]:
        """``{"items", "count"}``, newest first (``skip``, ``limit``, ``type``, ``asc``)."""
        return self._call("GET", "/trash", query=query)

    def restore(self, uid: str, *, with_assets: Optional[bool] = None) -> Dict[str, Any]:
        body = None if with_assets is None else {"with_assets": with_assets}
        return self._call("POST", f"/trash/{uid}/restore", json_body=body)

    def purge(self) -> Dict[str, Any]:
        """Runs the retention purge now: ``{"purged"}``."""
        return self._call("POST", "/trash/purge")

    def empty(self) -> Dict[str, Any]:
        return self._call("DELETE", "/trash")


class Stack:
    """One stack of a mock: credentials, SDK options and the stack's controls."""

    def __init__(self, mock: Mock, info: Dict[str, Any], environments: List[str]) -> None:
        self.mock = mock
        self.info = info
        self.api_key: str = info["api_key"]
        self.management_token: str = info["management_token"]
        self.name: str = info.get("name", "")
        self.user_name: Optional[str] = info.get("user_name")
        self.environments = environments
        self.environment: Optional[str] = environments[0] if environments else None
        """The first environment: the one a delivery call names by default."""
        self.delivery_token: Optional[str] = None
        """A delivery token for every environment of the stack (and branch ``main``)."""
        self.clock = Clock(self)
        self.faults = Faults(self)
        self.trash = Trash(self)
        self._control = f"/_mock/stacks/{self.api_key}"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.mock.request(method, self._control + path, **kwargs)

    def _make_delivery_token(self) -> None:
        scope = [{"module": "environment", "environments": self.environments, "acl": {"read": True}}, _BRANCH_SCOPE]
        answer = self.mock.request(
            "POST",
            "/v3/stacks/delivery_tokens",
            headers=self.headers(),
            json_body={"token": {"name": "contentstack-mock test kit", "description": "made by the test kit", "scope": scope}},
        )
        self.delivery_token = answer["token"]["token"]

    def headers(self) -> Dict[str, str]:
        """The ``api_key`` and ``authorization`` headers of a management call."""
        return {"api_key": self.api_key, "authorization": self.management_token}

    def delivery_headers(self) -> Dict[str, str]:
        """The ``api_key`` and ``access_token`` headers of a delivery call."""
        if not self.delivery_token:
            raise ValueError("this stack has no environment, so no delivery token")
        return {"api_key": self.api_key, "access_token": self.delivery_token}

    def management_client_options(self, **extra: Any) -> Dict[str, Any]:
        """Keyword arguments for ``contentstack_management.Client(...)``: ``host`` (with the
        port), ``scheme``, ``management_token`` and a ``timeout`` of 10 s (the SDK's 2 s is
        short for CI). Then ``client.stack(stack.api_key)``."""
        address = urllib.parse.urlsplit(self.mock.url)
        return {
            "host": address.netloc,
            "scheme": f"{address.scheme}://",
            "management_token": self.management_token,
            "timeout": 10,
            **extra,
        }

    def snapshot(self, name: str) -> Dict[str, Any]:
        """Saves the stack (rows and files): ``{"name", "created_at", "assets", "bytes"}``."""
        return self._call("POST", "/snapshots", json_body={"name": name})["snapshot"]

    def restore(self, name: str) -> Any:
        """Puts the stack back exactly as the snapshot ``name`` saved it."""
        return self._call("POST", f"/snapshots/{urllib.parse.quote(name, safe='')}/restore")

    def snapshots(self) -> List[Dict[str, Any]]:
        return self._call("GET", "/snapshots")["snapshots"]

    def delete_snapshot(self, name: str) -> None:
        self._call("DELETE", f"/snapshots/{urllib.parse.quote(name, safe='')}")

    def requests(
        self, *, method: Optional[str] = None, path_prefix: Optional[str] = None, status: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """The journal of the stack's requests, newest first, filtered."""
        query = {"method": method, "path_prefix": path_prefix, "status": status}
        return self._call("GET", "/requests", query=query)["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def rate_limits(self, enabled: bool, **per_second: int) -> Any:
        """Turns rate limits on or off (``read``, ``write``, ``bulk``, ``delivery`` per second)."""
        return self._call("PUT", "/rate_limits", json_body={"enabled": enabled, **per_second})

    def reset(self) -> Dict[str, Any]:
        """Empties the stack; credentials and delivery tokens kept, clock back to real time."""
        answer = self._call("POST", "/reset")
        if isinstance(answer, dict) and "stack" in answer:
            self.info = answer["stack"]
        return self.info

    def delete(self) -> None:
        """Removes the stack with all its data and files."""
        self.mock.request("DELETE", self._control)
        self.mock._made.discard(self.api_key)


def wait_healthy(mock: Mock, timeout: float) -> None:
    """Polls ``/_mock/health`` until it answers 200; ``ConnectionError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            mock.health()
            return
        except (MockError, OSError) as error:
            if time.monotonic() > deadline:
                raise ConnectionError(f"contentstack-mock at {mock.url} is not healthy: {error}") from None
        time.sleep(0.05)


def start_mock(
    *,
    url: Optional[str] = None,
    admin_token: Optional[str] = None,
    timeout: float = 10.0,
    **start_options: Any,
) -> Mock:
    """The test kit's entry: a contentstack-mock to make stacks on. With ``url`` (or the
    environment variable ``CONTENTSTACK_MOCK_URL``) it attaches to a running one; otherwise
    it starts the binary on a free port with a temporary data dir (``start_options`` are
    ``start()``'s: ``binary``, ``args``, ``env``, ...)."""
    from . import start

    admin_token = admin_token or os.environ.get("CONTENTSTACK_MOCK_ADMIN_TOKEN") or None
    url = url or os.environ.get("CONTENTSTACK_MOCK_URL") or None
    if url:
        mock = Mock(url, admin_token=admin_token)
        wait_healthy(mock, timeout)
        return mock
    if admin_token:
        start_options["env"] = {**(start_options.get("env") or {}), "CSMOCK_ADMIN_TOKEN": admin_token}
    server = start(timeout=timeout, **start_options)
    # A session that ends without stop() (a crash, a forgotten fixture) leaves no mock behind.
    atexit.register(server.stop)
    mock = Mock(server.url, admin_token=admin_token, server=server)
    try:
        wait_healthy(mock, timeout)
    except BaseException:
        server.stop()
        raise
    return mock
