"""Shared pieces of the Python conformance suite: start the real contentstack-mock
binary on a free port (through the test kit of the PyPI package, from source), build
official-SDK clients for it, fixtures and checks."""

import base64
import json
import os
import re
import sys
import time
import urllib.parse
from pathlib import Path

import contentstack_management
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "packages" / "python"))
from contentstack_mock import start_mock  # noqa: E402 (the package from source, above)

# The binary under test: $CSMOCK_BIN, by default the release build (as tests/lib/suite.sh).
BIN = os.environ.get("CSMOCK_BIN") or str(ROOT / "target" / "release" / "contentstack-mock")
# How long a start may take on a busy CI machine (banner, then /_mock/health), in seconds.
START_TIMEOUT = 30.0
# Each test module starts its own mock with the flags it tests: the kit's settings for
# attaching to a running mock are not for this suite.
for _name in ("CONTENTSTACK_MOCK_URL", "CONTENTSTACK_MOCK_ADMIN_TOKEN"):
    os.environ.pop(_name, None)

DEFAULT_API_KEY = "blt0000000000000001"
DEFAULT_TOKEN = "cs00000000000000000000000000000001"
MISSING_UID = "blt0123456789abcdef"
FOLDER_CT = "application/vnd.contenstack.folder"
UID_RE = re.compile(r"^blt[a-f0-9]{16}$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
BULK_NOTICE = "Your bulk delete request is in progress. Please check bulk task queue for more details."

# A valid 3x2 RGB PNG (73 bytes).
PNG_3X2 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg=="
)
ALL_BYTES = bytes(range(256))


class Server:
    """The binary on a free port of 127.0.0.1, started through the PyPI package's test kit
    (``start_mock``); ``tls`` adds an HTTPS listener with a self-signed certificate (its
    port and path read from the banner)."""

    def __init__(self, tls=False):
        args = ["--tls-listen", "127.0.0.1:0"] if tls else []
        self.mock = start_mock(binary=BIN, args=args, timeout=START_TIMEOUT)
        server = self.mock.server
        self.port = server.port
        self.base = self.mock.url
        self.tls_port = self.cert_path = None
        if tls:
            if not (server.https_url and server.certificate):
                self.stop()
                raise RuntimeError("contentstack-mock printed no HTTPS listener or certificate in its banner")
            self.tls_port = urllib.parse.urlsplit(server.https_url).port or 443
            self.cert_path = server.certificate

    def stop(self):
        self.mock.stop()

    # The mock's own API, and /v3 calls the SDK cannot make.
    def raw(self, method, path, json_body=None, api_key=DEFAULT_API_KEY, token=DEFAULT_TOKEN, **kw):
        headers = kw.pop("headers", {})
        if path.startswith("/v3"):
            headers = {"api_key": api_key, "authorization": token, **headers}
        return requests.request(method, self.base + path, json=json_body, headers=headers, timeout=15, **kw)

    def create_stack(self, name):
        """A fresh, isolated stack: {"api_key", "management_token", "name", ...}."""
        r = self.raw("POST", "/_mock/stacks", {"name": name})
        assert r.status_code == 201, f"POST /_mock/stacks -> {r.status_code} {r.text}"
        stack = r.json()["stack"]
        assert stack["name"] == name
        assert stack["api_key"] and stack["management_token"]
        return stack

    def inject_fault(self, fault, api_key=DEFAULT_API_KEY):
        r = self.raw("POST", f"/_mock/stacks/{api_key}/faults", fault)
        assert 200 <= r.status_code < 300, f"POST /_mock/stacks/{api_key}/faults {fault} -> {r.status_code} {r.text}"

    def clear_faults(self, api_key=DEFAULT_API_KEY):
        self.raw("DELETE", f"/_mock/stacks/{api_key}/faults")


def client(server, token=DEFAULT_TOKEN):
    """An official SDK client for the mock. Keep the region at `us` and always pass `host`."""
    return contentstack_management.Client(
        host=f"127.0.0.1:{server.port}", scheme="http://", management_token=token, timeout=15
    )


def stack(server, api_key=DEFAULT_API_KEY, token=DEFAULT_TOKEN):
    """A stack handle on its own client (the SDK keeps headers in one shared dict per client)."""
    return client(server, token).stack(api_key)


def ok(response, status=200):
    """The JSON body of a response that must have `status`."""
    assert response.status_code == status, f"{response.request.method} {response.url} -> {response.status_code} {response.text}"
    return response.json()


def cs_error(response, status, code=None, message=None):
    """Checks a Contentstack error response; returns its body."""
    assert response.status_code == status, f"{response.request.method} {response.url} -> {response.status_code} {response.text}"
    body = response.json()
    assert isinstance(body.get("error_message"), str) and body["error_message"], body
    assert isinstance(body.get("error_code"), int) and not isinstance(body["error_code"], bool), body
    assert isinstance(body.get("errors"), dict), body
    if code is not None:
        assert body["error_code"] == code, body
    if message is not None:
        assert body["error_message"] == message, body
    return body


def assert_file_asset(a):
    assert UID_RE.match(a["uid"]), a["uid"]
    assert ISO_RE.match(a["created_at"]), a["created_at"]
    assert ISO_RE.match(a["updated_at"]), a["updated_at"]
    assert isinstance(a["created_by"], str) and isinstance(a["updated_by"], str)
    assert isinstance(a["content_type"], str)
    assert isinstance(a["file_size"], str), f"file_size must be a string, got {type(a['file_size']).__name__}"
    assert a["file_size"].isdigit()
    assert isinstance(a["tags"], list) and all(isinstance(t, str) for t in a["tags"])
    assert isinstance(a["filename"], str)
    assert isinstance(a["url"], str)
    assert isinstance(a["title"], str)
    assert a["is_dir"] is False
    assert isinstance(a["_version"], int) and not isinstance(a["_version"], bool) and a["_version"] >= 1
    assert a["parent_uid"] is None or UID_RE.match(a["parent_uid"])
    assert isinstance(a["ACL"], dict)


def assert_folder(f):
    assert UID_RE.match(f["uid"]), f["uid"]
    assert f["is_dir"] is True
    assert f["content_type"] == FOLDER_CT
    assert isinstance(f["name"], str)
    assert isinstance(f["_version"], int)
    assert ISO_RE.match(f["created_at"])
    assert f["parent_uid"] is None or UID_RE.match(f["parent_uid"])
    assert "file_size" not in f and "url" not in f


def json_query(assets, query):
    """The way to send a `query` filter with this SDK: a JSON string param
    (a dict param is encoded by requests as `query=key`, which no server can read)."""
    assets.add_param("query", json.dumps(query))
    return assets


def pause():
    """Keeps created_at values distinct (millisecond timestamps)."""
    time.sleep(0.005)


# Publishing: environments, clocks and publish records.

DELIVERY_TOKEN_RE = re.compile(r"^cs[a-f0-9]{24}$")


def fresh_stack(server, name):
    """A new stack of its own (own clock, own environments) on its own client: (stack, api_key)."""
    created = server.create_stack(name)
    return stack(server, api_key=created["api_key"], token=created["management_token"]), created["api_key"]


def clock_now(server, api_key):
    """The stack's clock, as an aware datetime."""
    r = server.raw("GET", f"/_mock/stacks/{api_key}/clock")
    assert r.status_code == 200, r.text
    return parse_time(r.json()["now"])


def advance(server, api_key, **amount):
    """Moves the stack's clock forward (seconds=, minutes=, hours=, days=); answers once settled."""
    r = server.raw("POST", f"/_mock/stacks/{api_key}/clock/advance", amount)
    assert r.status_code == 200, f"clock/advance {amount} -> {r.status_code} {r.text}"
    return r.json()


def parse_time(text):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(dt):
    """ISO 8601 UTC with milliseconds, as Contentstack writes times."""
    from datetime import timezone

    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def environment_uid(stack_handle, name):
    return ok(stack_handle.environments(name).fetch())["environment"]["uid"]


def publish_details(stack_handle, uid):
    """The CMA publish records of an asset (include_publish_details=true)."""
    assets = stack_handle.assets(uid)
    assets.add_param("include_publish_details", "true")
    return ok(assets.fetch())["asset"]["publish_details"]


def assert_record(p, environment, locale, version):
    """One CMA publish record: {environment: uid, locale, time, user, version}."""
    assert sorted(p) == ["environment", "locale", "time", "user", "version"], p
    assert p["environment"] == environment, p
    assert p["locale"] == locale, p
    assert p["version"] == version, p
    assert ISO_RE.match(p["time"]), p
    assert isinstance(p["user"], str), p
