"""The kit's per-stack controls from the installed wheel: reset, snapshots, the request
journal and opt-in rate limits, with the official Python SDK where a user would use it."""

import urllib.error
import urllib.request

import pytest

from contentstack_mock import MockError
from kit_helpers import sdk, upload


def uids(stack):
    answer = sdk(stack).assets().find()
    assert answer.status_code == 200, answer.text
    return [asset["uid"] for asset in answer.json()["assets"]]


def test_reset_empties_one_stack_and_keeps_its_credentials(csmock, csmock_stack, tmp_path):
    other = csmock.stack()
    try:
        upload(csmock_stack, tmp_path, "gone.txt")
        kept = upload(other, tmp_path, "kept.txt")
        csmock_stack.clock.advance(days=2)
        csmock_stack.faults.add(500, count=3)
        info = csmock_stack.reset()
        assert info["api_key"] == csmock_stack.api_key
        assert uids(csmock_stack) == []
        assert uids(other) == [kept["uid"]]
        assert csmock_stack.clock.get()["offset_seconds"] == 0
        assert csmock_stack.faults.list() == []
        # The delivery token still reads the stack.
        request = urllib.request.Request(
            f"{csmock.url}/v3/assets?environment=development", headers=csmock_stack.delivery_headers()
        )
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200
    finally:
        other.delete()


def test_snapshot_and_restore_put_the_stack_back_exactly(csmock_stack, tmp_path):
    kept = upload(csmock_stack, tmp_path, "kept.txt", "the kept bytes")
    trashed = upload(csmock_stack, tmp_path, "trashed.txt")
    assert sdk(csmock_stack).assets(trashed["uid"]).delete().status_code == 200
    purge_at = csmock_stack.trash.list()["items"][0]["purge_at"]
    saved = csmock_stack.snapshot("baseline")
    assert saved["name"] == "baseline"
    assert isinstance(saved["bytes"], int)

    upload(csmock_stack, tmp_path, "later.txt")
    sdk(csmock_stack).assets(kept["uid"]).delete()
    csmock_stack.clock.advance(days=15)
    assert csmock_stack.trash.list()["count"] == 0
    # Back to real time first: restored purge times then lie ahead, so no purge races the checks.
    csmock_stack.clock.reset()

    csmock_stack.restore("baseline")
    assert uids(csmock_stack) == [kept["uid"]]
    with urllib.request.urlopen(kept["url"]) as answer:
        assert answer.read() == b"the kept bytes"
    items = csmock_stack.trash.list()["items"]
    assert [(i["uid"], i["purge_at"]) for i in items] == [(trashed["uid"], purge_at)]

    assert [s["name"] for s in csmock_stack.snapshots()] == ["baseline"]
    with pytest.raises(MockError) as caught:
        csmock_stack.snapshot("baseline")
    assert caught.value.status == 409
    with pytest.raises(MockError) as caught:
        csmock_stack.restore("nothing-here")
    assert caught.value.status == 404
    csmock_stack.delete_snapshot("baseline")
    assert csmock_stack.snapshots() == []


def test_requests_lists_what_the_sdk_sent_with_secrets_masked(csmock_stack, tmp_path):
    csmock_stack.clear_requests()
    asset = upload(csmock_stack, tmp_path, "journal.txt")
    sdk(csmock_stack).assets(asset["uid"]).fetch()
    sdk(csmock_stack).assets("blt0123456789abcdef").fetch()
    journal = csmock_stack.requests(path_prefix="/v3/")
    assert [(r["method"], r["status"]) for r in journal] == [("GET", 422), ("GET", 200), ("POST", 201)]
    assert journal[2]["path"] == "/v3/assets"
    assert all(r["headers"]["authorization"] == "***" for r in journal)
    assert [r["path"] for r in csmock_stack.requests(method="POST")] == ["/v3/assets"]
    assert len(csmock_stack.requests(status=422)) == 1
    assert len(csmock_stack.requests(path_prefix=f"/v3/assets/{asset['uid']}")) == 1
    csmock_stack.clear_requests()
    assert csmock_stack.requests(path_prefix="/v3/") == []


def test_rate_limits_are_opt_in_and_counted_on_the_stack_clock(csmock, csmock_stack):
    limited = csmock.stack(rate_limits=True)
    try:
        limited.clock.freeze()

        def read(stack):
            request = urllib.request.Request(f"{csmock.url}/v3/assets", headers=stack.headers())
            try:
                with urllib.request.urlopen(request) as answer:
                    return answer.status, answer.headers
            except urllib.error.HTTPError as error:
                return error.code, error.headers

        status, headers = read(limited)
        assert (status, headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == (200, "10", "9")
        for _ in range(9):
            assert read(limited)[0] == 200
        status, headers = read(limited)
        assert (status, headers["X-RateLimit-Remaining"], headers["Retry-After"]) == (429, "0", "1")
        status, headers = read(csmock_stack)
        assert status == 200 and headers["X-RateLimit-Limit"] is None
        limited.clock.advance(seconds=1)
        assert read(limited)[0] == 200
        limited.rate_limits(False)
        assert all(read(limited)[0] == 200 for _ in range(12))
    finally:
        limited.delete()
