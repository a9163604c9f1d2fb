"""Publishing assets through the official Python SDK: assets(uid).publish()/unpublish()
with `version` and `scheduled_at`, scheduled publishing on the stack's virtual
clock (/_mock/stacks/{api_key}/clock/advance), the publish queue
(stack.publish_queue() find/fetch/cancel), bulk publish with its job, and the
bad inputs, which publish nothing."""

from datetime import timedelta

import pytest

import csmock
from csmock import MISSING_UID, assert_record, cs_error, iso, ok, publish_details

PUBLISHED = {"notice": "Asset sent for publishing."}
UNPUBLISHED = {"notice": "Asset sent for unpublishing."}


def upload(stack, path):
    return ok(stack.assets().upload(path), 201)["asset"]


def body(environments=("development",), locales=("en-us",), **extra):
    return {"asset": {"environments": list(environments), "locales": list(locales)}, **extra}


@pytest.fixture
def fresh(server):
    """A stack of its own, so its clock can move: (stack, api_key, development uid)."""
    stack, api_key = csmock.fresh_stack(server, "py-publish")
    return stack, api_key, csmock.environment_uid(stack, "development")


def queue_items(stack, uid):
    """The publish queue's items for one asset."""
    queue = ok(stack.publish_queue().find())["queue"]
    return [q for q in queue if q.get("entry", {}).get("uid") == uid]


def test_publish_a_version_then_the_latest(fresh, files):
    stack, _, dev = fresh
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).update({"asset": {"title": "second version"}}))
    assert ok(stack.assets(a["uid"]).publish(body(version=1)), 201) == PUBLISHED
    [record] = publish_details(stack, a["uid"])
    assert_record(record, dev, "en-us", 1)
    assert ok(stack.assets(a["uid"]).publish(body()), 201) == PUBLISHED
    [record] = publish_details(stack, a["uid"])
    assert_record(record, dev, "en-us", 2)


def test_unpublish(fresh, files):
    stack, _, dev = fresh
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).publish(body()), 201)
    assert ok(stack.assets(a["uid"]).unpublish(body()), 201) == UNPUBLISHED
    assert publish_details(stack, a["uid"]) == []


def test_the_sdk_example_body_with_a_past_scheduled_at_applies_at_once(fresh, files):
    """The SDK's own docstring example: version 1, scheduled_at in 2019."""
    stack, _, dev = fresh
    a = upload(stack, files["hello"])
    r = stack.assets(a["uid"]).publish(body(version=1, scheduled_at="2019-02-08T18:30:00.000Z"))
    assert ok(r, 201) == PUBLISHED
    [record] = publish_details(stack, a["uid"])
    assert_record(record, dev, "en-us", 1)
    r = stack.assets(a["uid"]).unpublish(body(version=1, scheduled_at="2019-02-08T18:30:00.000Z"))
    assert ok(r, 201) == UNPUBLISHED
    assert publish_details(stack, a["uid"]) == []


def test_a_future_scheduled_at_waits_for_the_stack_clock(server, fresh, files):
    stack, api_key, dev = fresh
    a = upload(stack, files["hello"])
    at = csmock.clock_now(server, api_key) + timedelta(days=3)
    assert ok(stack.assets(a["uid"]).publish(body(scheduled_at=iso(at))), 201) == PUBLISHED
    assert publish_details(stack, a["uid"]) == []
    [queued] = queue_items(stack, a["uid"])
    assert queued["type"] == "asset"
    assert queued["action"] == "publish"
    assert queued["environment"] == [dev]
    assert queued["locale"] == ["en-us"]
    assert queued["entry"]["version"] == 1

    csmock.advance(server, api_key, days=2)
    assert publish_details(stack, a["uid"]) == [], "not before its time"
    csmock.advance(server, api_key, days=1, minutes=1)
    [record] = publish_details(stack, a["uid"])
    assert_record(record, dev, "en-us", 1)
    [done] = queue_items(stack, a["uid"])
    assert done["uid"] == queued["uid"]
    assert done["publish_details"]["status"] == "success", done


def test_a_scheduled_unpublish(server, fresh, files):
    stack, api_key, dev = fresh
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).publish(body()), 201)
    at = csmock.clock_now(server, api_key) + timedelta(hours=1)
    assert ok(stack.assets(a["uid"]).unpublish(body(scheduled_at=iso(at))), 201) == UNPUBLISHED
    assert len(publish_details(stack, a["uid"])) == 1
    csmock.advance(server, api_key, hours=2)
    assert publish_details(stack, a["uid"]) == []


def test_more_than_12_months_ahead_is_refused(server, fresh, files):
    stack, api_key, _ = fresh
    a = upload(stack, files["hello"])
    now = csmock.clock_now(server, api_key)
    refused = cs_error(stack.assets(a["uid"]).publish(body(scheduled_at=iso(now + timedelta(days=400)))), 422, 120)
    assert isinstance(refused["errors"].get("scheduled_at"), list), refused
    assert queue_items(stack, a["uid"]) == []
    # Eleven months ahead is fine, and it happens then.
    assert ok(stack.assets(a["uid"]).publish(body(scheduled_at=iso(now + timedelta(days=330)))), 201) == PUBLISHED
    assert len(queue_items(stack, a["uid"])) == 1
    csmock.advance(server, api_key, days=331)
    assert len(publish_details(stack, a["uid"])) == 1


def test_publish_queue_fetch_and_cancel(server, fresh, files):
    stack, api_key, _ = fresh
    a = upload(stack, files["hello"])
    at = csmock.clock_now(server, api_key) + timedelta(days=1)
    ok(stack.assets(a["uid"]).publish(body(scheduled_at=iso(at))), 201)
    [queued] = queue_items(stack, a["uid"])
    fetched = ok(stack.publish_queue(queued["uid"]).fetch())["entry"]
    assert fetched["uid"] == queued["uid"]
    assert fetched["entry"]["uid"] == a["uid"]
    assert fetched["action"] == "publish"
    cancelled = ok(stack.publish_queue(queued["uid"]).cancel())
    assert cancelled["notice"].endswith("unscheduled successfully."), cancelled
    csmock.advance(server, api_key, days=2)
    assert publish_details(stack, a["uid"]) == [], "a cancelled schedule never happens"


def test_republishing_the_same_version_is_skipped_in_the_queue(fresh, files):
    stack, _, dev = fresh
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).publish(body()), 201)
    assert ok(stack.assets(a["uid"]).publish(body()), 201) == PUBLISHED
    statuses = sorted(q["publish_details"]["status"] for q in queue_items(stack, a["uid"]))
    assert statuses == ["skipped", "success"], queue_items(stack, a["uid"])
    [record] = publish_details(stack, a["uid"])
    assert_record(record, dev, "en-us", 1)


def test_an_unknown_environment_or_locale_publishes_nothing(fresh, files):
    stack, _, _ = fresh
    a = upload(stack, files["hello"])
    err = cs_error(stack.assets(a["uid"]).publish(body(environments=("development", "nowhere"))), 422, 141)
    assert isinstance(err["errors"].get("environments"), list), err
    err = cs_error(stack.assets(a["uid"]).publish(body(locales=("en-us", "xx-yy"))), 422, 141)
    assert isinstance(err["errors"].get("locales"), list), err
    assert publish_details(stack, a["uid"]) == []


def test_a_trashed_or_missing_asset_is_not_found(fresh, files):
    stack, _, _ = fresh
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).delete())
    cs_error(stack.assets(a["uid"]).publish(body()), 422, 145, "Asset was not found.")
    cs_error(stack.assets(MISSING_UID).publish(body()), 422, 145, "Asset was not found.")
    cs_error(stack.assets(MISSING_UID).unpublish(body()), 422, 145, "Asset was not found.")


def test_bulk_publish_and_its_job(fresh, files):
    stack, _, dev = fresh
    a = upload(stack, files["hello"])
    b = upload(stack, files["png"])
    r = stack.bulk_operation().publish({
        "assets": [{"uid": a["uid"]}, {"uid": b["uid"]}], "locales": ["en-us"], "environments": ["development"],
    })
    res = ok(r)
    assert res["notice"] == "Your bulk publish request is in progress. Please check publish queue for more details."
    job = ok(stack.bulk_operation().job_status(res["job_id"]))
    assert job["uid"] == res["job_id"]
    assert job["status"] == "complete"
    assert job["body"]["environments"] == [dev]
    assert job["body"]["locales"] == ["en-us"]
    assert job["summary"]["success"] == 2
    for uid in (a["uid"], b["uid"]):
        [record] = publish_details(stack, uid)
        assert_record(record, dev, "en-us", 1)
    res = ok(stack.bulk_operation().unpublish({
        "assets": [{"uid": a["uid"]}], "locales": ["en-us"], "environments": ["development"],
    }))
    assert res["notice"] == "Your bulk unpublish request is in progress. Please check publish queue for more details."
    assert publish_details(stack, a["uid"]) == []
    assert len(publish_details(stack, b["uid"])) == 1


def test_references_are_empty(stack, files):
    a = upload(stack, files["hello"])
    assert ok(stack.assets(a["uid"]).references()) == {"references": []}
