"""What the official Python SDK returns (it never raises on HTTP errors) for a bad
token, a bad api_key, a token of another stack, and injected faults; stacks
made by the control API."""

import pytest

import csmock
from csmock import DEFAULT_API_KEY, DEFAULT_TOKEN, cs_error, ok


def test_bad_token(server):
    stack = csmock.stack(server, token="cs_wrong_token_000000000000000000")
    cs_error(stack.assets().find(), 401, 105)


def test_no_token(server):
    c = csmock.client(server)
    del c.client.headers["authorization"]
    cs_error(c.stack(DEFAULT_API_KEY).assets().find(), 401, 105)


def test_bad_api_key(server, files):
    stack = csmock.stack(server, api_key="blt00000000000000ff")
    body = cs_error(stack.assets().find(), 412, 109)
    assert "api_key" in body["errors"]
    cs_error(stack.assets().upload(files["hello"]), 412, 109)


def test_a_new_stack_is_empty_isolated_and_usable(server, files):
    created = server.create_stack("py-isolated")
    other = csmock.stack(server, api_key=created["api_key"], token=created["management_token"])
    mine = ok(csmock.stack(server).assets().upload(files["hello"]), 201)["asset"]
    assets = other.assets()
    assets.add_param("count", True)
    assert ok(assets.find()) == {"assets": 0}
    theirs = ok(other.assets().upload(files["hello"]), 201)["asset"]
    csmock.assert_file_asset(theirs)
    assert f"/v3/assets/{created['api_key']}/{theirs['uid']}/" in theirs["url"]
    assert [a["uid"] for a in ok(other.assets().find())["assets"]] == [theirs["uid"]]
    cs_error(other.assets(mine["uid"]).fetch(), 422, 145)


def test_token_of_another_stack(server):
    created = server.create_stack("py-cross")
    crossed = csmock.stack(server, api_key=DEFAULT_API_KEY, token=created["management_token"])
    cs_error(crossed.assets().find(), 401, 105)
    crossed = csmock.stack(server, api_key=created["api_key"], token=DEFAULT_TOKEN)
    cs_error(crossed.assets().find(), 401, 105)


@pytest.fixture
def faults(server):
    yield server
    server.clear_faults()


def test_a_500_fault_reaches_the_caller_as_is(faults):
    """The Python SDK does not retry: a 5xx comes back as the response."""
    faults.inject_fault({"status": 500, "count": 1, "path": "/v3/assets", "method": "GET"})
    stack = csmock.stack(faults)
    cs_error(stack.assets().find(), 500)
    ok(stack.assets().find())


def test_a_429_fault_carries_retry_after(faults):
    faults.inject_fault({"status": 429, "count": 1, "path": "/v3/assets"})
    stack = csmock.stack(faults)
    r = stack.assets().find()
    cs_error(r, 429)
    assert r.headers.get("retry-after") == "1"
    ok(stack.assets().find())


def test_faults_are_per_stack_and_can_be_cleared(faults):
    created = faults.create_stack("py-faults")
    faults.inject_fault({"status": 503, "count": 5, "path": "/v3/assets"}, api_key=created["api_key"])
    other = csmock.stack(faults, api_key=created["api_key"], token=created["management_token"])
    ok(csmock.stack(faults).assets().find())
    cs_error(other.assets().find(), 503)
    faults.clear_faults(api_key=created["api_key"])
    ok(other.assets().find())
