"""Version names through the official Python SDK: assets(uid).version_naming(n, body)
(POST /v3/assets/{uid}/versions/{n}/name), version_delete(n), and `_version_name`
in the versions list."""

import csmock
from csmock import MISSING_UID, cs_error, ok


def upload_with_two_versions(stack, files):
    a = ok(stack.assets().upload(files["hello"]), 201)["asset"]
    ok(stack.assets(a["uid"]).update({"asset": {"title": "second"}}))
    return a


def versions(stack, uid):
    return {v["_version"]: v for v in ok(stack.assets(uid).version())["versions"]}


def assert_named(r):
    assert r.status_code in (200, 201), f"{r.status_code} {r.text}"
    assert r.json()["notice"] == "Version name assigned successfully."


def test_name_a_version(stack, files):
    a = upload_with_two_versions(stack, files)
    assert_named(stack.assets(a["uid"]).version_naming(1, {"upload": {"_version_name": "First cut"}}))
    vs = versions(stack, a["uid"])
    assert sorted(vs) == [1, 2]
    name = vs[1]["_version_name"]
    assert name["title"] == "First cut", name
    assert isinstance(name["updated_by"], str)
    assert csmock.ISO_RE.match(name["updated_at"]), name
    assert "_version_name" not in vs[2]


def test_the_body_may_use_the_asset_key(stack, files):
    """The .NET SDK sends {"asset": {"_version_name"}} instead of "upload"."""
    a = upload_with_two_versions(stack, files)
    assert_named(stack.assets(a["uid"]).version_naming(2, {"asset": {"_version_name": "Release"}}))
    assert versions(stack, a["uid"])[2]["_version_name"]["title"] == "Release"


def test_renaming_a_version_replaces_its_name(stack, files):
    a = upload_with_two_versions(stack, files)
    assert_named(stack.assets(a["uid"]).version_naming(1, {"upload": {"_version_name": "Draft"}}))
    assert_named(stack.assets(a["uid"]).version_naming(1, {"upload": {"_version_name": "Final"}}))
    assert versions(stack, a["uid"])[1]["_version_name"]["title"] == "Final"


def test_delete_a_version_name(stack, files):
    a = upload_with_two_versions(stack, files)
    assert_named(stack.assets(a["uid"]).version_naming(1, {"upload": {"_version_name": "Doomed"}}))
    r = stack.assets(a["uid"]).version_delete(1)
    assert r.status_code in (200, 204), f"{r.status_code} {r.text}"
    if r.status_code == 200:
        assert r.json()["notice"].rstrip(".") == "Version name deleted successfully", r.text
    assert "_version_name" not in versions(stack, a["uid"])[1]


def test_a_missing_asset_or_version(stack, files):
    cs_error(stack.assets(MISSING_UID).version_naming(1, {"upload": {"_version_name": "x"}}), 422, 145)
    a = upload_with_two_versions(stack, files)
    r = stack.assets(a["uid"]).version_naming(9, {"upload": {"_version_name": "x"}})
    assert 400 <= r.status_code < 500, r.text
    cs_error(r, r.status_code)
