"""The test kit from the installed wheel, as a user's suite uses it: the pytest plugin's
fixtures (``csmock`` for the session, ``csmock_stack`` per test, loaded through the wheel's
``pytest11`` entry point), ``start_mock()``, and the official Python SDK configured from
a stack's options."""

import subprocess
import sys
import urllib.request
from datetime import datetime, timezone

import pytest

from contentstack_mock import MockError, start_mock
from kit_helpers import sdk, upload


def count(stack):
    answer = sdk(stack).assets().find()
    assert answer.status_code == 200, answer.text
    return len(answer.json()["assets"])


def test_the_fixtures_give_a_started_mock_and_a_fresh_stack(csmock, csmock_stack):
    assert csmock.url.startswith("http://127.0.0.1:")
    assert csmock.server is not None
    assert csmock.health()["status"] == "ok"
    assert csmock_stack.name == "test_the_fixtures_give_a_started_mock_and_a_fresh_stack"
    assert csmock_stack.api_key.startswith("blt")
    assert csmock_stack.delivery_token.startswith("cs")
    assert csmock_stack.environment == "development"
    assert csmock_stack.api_key in [s["api_key"] for s in csmock.stacks()]


def test_the_management_options_work_with_the_official_sdk(csmock_stack, tmp_path):
    asset = upload(csmock_stack, tmp_path, "hello.txt", "hello from the kit")
    fetched = sdk(csmock_stack).assets(asset["uid"]).fetch()
    assert fetched.status_code == 200
    assert fetched.json()["asset"]["filename"] == "hello.txt"
    with urllib.request.urlopen(asset["url"]) as answer:
        assert answer.read() == b"hello from the kit"
    published = sdk(csmock_stack).assets(asset["uid"]).publish(
        {"asset": {"locales": ["en-us"], "environments": ["development"]}, "locale": "en-us"}
    )
    assert published.status_code in (200, 201), published.text
    # The delivery token reads what was published.
    request = urllib.request.Request(
        f"{csmock_stack.mock.url}/v3/assets/{asset['uid']}?environment=development", headers=csmock_stack.delivery_headers()
    )
    with urllib.request.urlopen(request) as answer:
        assert b'"publish_details"' in answer.read()


def test_two_stacks_are_isolated(csmock, csmock_stack, tmp_path):
    other = csmock.stack(user_name="Ada Lovelace", environments=["staging", "production"])
    try:
        assert other.user_name == "Ada Lovelace"
        assert other.environment == "staging"
        upload(csmock_stack, tmp_path, "only-here.txt")
        assert count(csmock_stack) == 1
        assert count(other) == 0
        csmock_stack.clock.advance(days=3)
        assert csmock_stack.clock.get()["offset_seconds"] == 3 * 86400
        assert other.clock.get()["offset_seconds"] == 0
        csmock_stack.faults.add(503, count=5)
        assert other.faults.list() == []
    finally:
        other.delete()


def test_a_clock_advance_past_the_retention_purges_a_trashed_asset(csmock_stack, tmp_path):
    asset = upload(csmock_stack, tmp_path, "doomed.txt")
    assert sdk(csmock_stack).assets(asset["uid"]).delete().status_code == 200
    trash = csmock_stack.trash.list()
    assert trash["count"] == 1 and trash["items"][0]["uid"] == asset["uid"]
    assert csmock_stack.clock.advance(days=13, hours=23)["purged"] == []
    assert csmock_stack.clock.advance(hours=1)["purged"] == [{"uid": asset["uid"], "type": "asset"}]
    assert csmock_stack.trash.list()["count"] == 0
    ahead = csmock_stack.clock.now() - datetime.now(timezone.utc)
    assert ahead.total_seconds() > 13.9 * 86400


def test_freeze_resume_and_reset_the_clock(csmock_stack):
    assert csmock_stack.clock.freeze()["frozen"] is True
    first = csmock_stack.clock.now()
    assert csmock_stack.clock.now() == first
    assert csmock_stack.clock.resume()["frozen"] is False
    csmock_stack.clock.reset()
    assert csmock_stack.clock.get()["offset_seconds"] == 0


def test_faults_reach_the_official_sdk(csmock_stack):
    csmock_stack.faults.add(503, count=1, path="/v3/assets")
    assert csmock_stack.faults.list()[0]["status"] == 503
    failed = sdk(csmock_stack).assets().find()
    assert failed.status_code == 503
    assert failed.json()["error_code"] == 503
    assert sdk(csmock_stack).assets().find().status_code == 200
    csmock_stack.faults.add(500, count=3)
    csmock_stack.faults.clear()
    assert csmock_stack.faults.list() == []


def test_errors_of_the_control_api_carry_status_code_and_errors(csmock_stack):
    with pytest.raises(MockError) as caught:
        csmock_stack.trash.restore("blt0123456789abcdef")
    assert caught.value.status == 404
    assert caught.value.error_code == 404
    assert isinstance(caught.value.errors, dict)
    with pytest.raises(MockError) as caught:
        csmock_stack.clock.set("1999-01-01T00:00:00Z")
    assert (caught.value.status, caught.value.error_code) == (422, 120)
    with pytest.raises(ValueError, match="days, hours, minutes or seconds"):
        csmock_stack.clock.advance()


def test_start_mock_attaches_by_url_and_by_environment(csmock, csmock_stack, monkeypatch):
    attached = start_mock(url=csmock.url)
    made = attached.stack("made while attached")
    monkeypatch.setenv("CONTENTSTACK_MOCK_URL", csmock.url)
    from_env = start_mock()
    assert from_env.url == csmock.url and from_env.server is None
    attached.stop()
    keys = [s["api_key"] for s in csmock.stacks()]
    assert made.api_key not in keys
    assert csmock_stack.api_key in keys
    assert csmock.health()["status"] == "ok"


def test_start_mock_on_a_url_where_nothing_answers_says_so():
    with pytest.raises(ConnectionError, match=r"127\.0\.0\.1:9 is not healthy"):
        start_mock(url="http://127.0.0.1:9", timeout=0.3)


def test_the_plugin_is_an_entry_point_and_dash_p_loads_it_once(tmp_path):
    from importlib.metadata import entry_points

    names = [ep.value for ep in entry_points(group="pytest11")]
    assert "contentstack_mock.pytest_plugin" in names
    (tmp_path / "test_user.py").write_text(
        "def test_a_user_test(csmock_stack):\n"
        "    assert csmock_stack.clock.advance(days=1)['offset_seconds'] == 86400\n"
    )
    for extra in ([], ["-p", "contentstack_mock.pytest_plugin"]):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, str(tmp_path / "test_user.py")],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "1 passed" in done.stdout
    # Turned off, the fixture is gone.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:contentstack_mock.pytest_plugin",
         str(tmp_path / "test_user.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "fixture 'csmock_stack' not found" in done.stdout


def test_a_process_that_ends_without_stop_leaves_no_mock_behind():
    script = "from contentstack_mock import start_mock; print(start_mock().url)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/_mock/health", timeout=2)
