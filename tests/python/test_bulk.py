"""Bulk delete of assets through the official Python SDK:
stack.bulk_operation().delete({...}) -> POST /v3/bulk/delete."""

import csmock
from csmock import BULK_NOTICE, MISSING_UID, cs_error, ok


def fake_uids(n):
    return [f"blt{0xf000000000000000 + i:016x}" for i in range(n)]


def upload(stack, path):
    return ok(stack.assets().upload(path), 201)["asset"]


def find_key(value, key):
    if isinstance(value, dict):
        if key in value:
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        for v in value:
            found = find_key(v, key)
            if found is not None:
                return found
    return None


def test_bulk_delete(stack, files):
    a = upload(stack, files["hello"])
    b = upload(stack, files["hello"])
    keep = upload(stack, files["hello"])
    body = ok(stack.bulk_operation().delete({"assets": [{"uid": a["uid"]}, {"uid": b["uid"]}]}))
    assert body["notice"] == BULK_NOTICE
    assert isinstance(body["job_id"], str) and body["job_id"]
    cs_error(stack.assets(a["uid"]).fetch(), 422, 145)
    cs_error(stack.assets(b["uid"]).fetch(), 422, 145)
    assert ok(stack.assets(keep["uid"]).fetch())["asset"]["uid"] == keep["uid"]


def test_bulk_delete_after_an_upload_on_the_same_client(server, files):
    """After upload() the client sends JSON bodies with no Content-Type at all."""
    stack = csmock.stack(server)
    a = upload(stack, files["hello"])
    assert "Content-Type" not in stack.client.headers
    body = ok(stack.bulk_operation().delete({"assets": [{"uid": a["uid"]}]}))
    assert body["notice"] == BULK_NOTICE
    cs_error(stack.assets(a["uid"]).fetch(), 422, 145)


def test_job_status(stack, files):
    a = upload(stack, files["hello"])
    job_id = ok(stack.bulk_operation().delete({"assets": [{"uid": a["uid"]}, {"uid": MISSING_UID}]}))["job_id"]
    r = stack.bulk_operation().job_status(job_id)
    body = ok(r)
    assert job_id in r.text
    summary = find_key(body, "summary")
    assert isinstance(summary, dict), body
    assert summary.get("success") == 1, summary
    assert summary.get("unsuccess") == 1, summary


def test_exactly_100_items_is_allowed(stack, files):
    a = upload(stack, files["hello"])
    assets = [{"uid": a["uid"]}] + [{"uid": u} for u in fake_uids(99)]
    body = ok(stack.bulk_operation().delete({"assets": assets}))
    assert body["notice"] == BULK_NOTICE
    cs_error(stack.assets(a["uid"]).fetch(), 422, 145)


def test_101_items_is_refused_and_nothing_is_deleted(stack, files):
    a = upload(stack, files["hello"])
    b = upload(stack, files["hello"])
    assets = [{"uid": a["uid"]}, {"uid": b["uid"]}] + [{"uid": u} for u in fake_uids(99)]
    assert len(assets) == 101
    body = cs_error(stack.bulk_operation().delete({"assets": assets}), 422, 123)
    assert "100" in body["error_message"], body
    assert isinstance(body["errors"].get("assets"), list), body
    assert ok(stack.assets(a["uid"]).fetch())["asset"]["uid"] == a["uid"]
    assert ok(stack.assets(b["uid"]).fetch())["asset"]["uid"] == b["uid"]


def test_empty_request_is_refused(stack):
    cs_error(stack.bulk_operation().delete({"assets": []}), 422)
