"""Listing and querying assets through the official Python SDK: find() with
include_count, count, skip/limit, specific_folder, subfolders, cs_root and
`query` filters. One server (fresh stack) for this module, with a fixed data set:
folders Docs (root) and Nested (in Docs); files alpha (root), pixel (root),
beta (in Docs), gamma (in Nested), created in that order."""

import json

import pytest

import csmock
from csmock import assert_file_asset, assert_folder, cs_error, json_query, ok


@pytest.fixture(scope="module")
def data(server, files):
    stack = csmock.stack(server)

    def folder(name, parent=None):
        body = {"asset": {"name": name, "parent_uid": parent}}
        return ok(stack.assets().create_folder(json.dumps(body)), 201)["asset"]

    def upload(path, title, tags=(), parent=None):
        a = ok(stack.assets().upload(path), 201)["asset"]
        # The Python SDK upload sends only the file; the rest goes on with update().
        a = ok(stack.assets(a["uid"]).update(
            {"asset": {"title": title, "tags": list(tags), "parent_uid": parent}}))["asset"]
        csmock.pause()
        return a

    d = {}
    d["docs"] = folder("Docs")
    d["nested"] = folder("Nested", d["docs"]["uid"])
    d["alpha"] = upload(files["hello"], "Alpha", ["red"])
    d["pixel"] = upload(files["png"], "Pixel", ["blue"])
    d["beta"] = upload(files["hello"], "Beta", ["red", "blue"], d["docs"]["uid"])
    d["gamma"] = upload(files["replacement"], "Gamma", [], d["nested"]["uid"])
    return {k: v["uid"] for k, v in d.items()}


def uids(body):
    return [a["uid"] for a in body["assets"]]


def find(stack, **params):
    assets = stack.assets()
    for k, v in params.items():
        assets.add_param(k, v)
    return ok(assets.find())


def test_find_with_include_count(stack, data):
    # The SDK sends Python booleans as include_count=True.
    body = find(stack, include_count=True)
    assert body["count"] == 4
    assert isinstance(body["count"], int)
    assert sorted(uids(body)) == sorted([data["alpha"], data["pixel"], data["beta"], data["gamma"]])
    for a in body["assets"]:
        assert_file_asset(a)


def test_find_without_include_count_has_no_count(stack, data):
    body = find(stack)
    assert "count" not in body
    assert len(body["assets"]) == 4


def test_count(stack, data):
    assert find(stack, count=True) == {"assets": 4}
    assets = json_query(stack.assets(), {"is_dir": True})
    assets.add_param("count", True)
    assert ok(assets.find()) == {"assets": 2}


def test_sort_skip_and_limit(stack, data):
    assert uids(find(stack, asc="created_at")) == [data["alpha"], data["pixel"], data["beta"], data["gamma"]]
    assert uids(find(stack, desc="created_at")) == [data["gamma"], data["beta"], data["pixel"], data["alpha"]]
    page1 = find(stack, asc="created_at", limit=2, include_count=True)
    assert uids(page1) == [data["alpha"], data["pixel"]]
    assert page1["count"] == 4
    assert uids(find(stack, asc="created_at", skip=2, limit=2)) == [data["beta"], data["gamma"]]
    past = find(stack, skip=10, include_count=True)
    assert past["assets"] == [] and past["count"] == 4


def test_specific_folder(stack, data):
    body = ok(stack.assets().specific_folder(data["docs"]))
    assert uids(body) == [data["beta"]]


def test_specific_folder_cs_root(stack, data):
    body = ok(stack.assets().specific_folder("cs_root"))
    assert sorted(uids(body)) == sorted([data["alpha"], data["pixel"]])


def test_subfolders_lists_files_and_subfolders(stack, data):
    """subfolders() sends include_folders=True&folder=<uid>."""
    body = ok(stack.assets().subfolders(data["docs"]))
    assert sorted(uids(body)) == sorted([data["beta"], data["nested"]])
    nested = next(a for a in body["assets"] if a["uid"] == data["nested"])
    assert_folder(nested)
    assert nested["name"] == "Nested"
    assert nested["parent_uid"] == data["docs"]


def test_subfolders_of_cs_root(stack, data):
    body = ok(stack.assets().subfolders("cs_root"))
    assert sorted(uids(body)) == sorted([data["alpha"], data["pixel"], data["docs"]])


def test_folder_that_does_not_exist(stack, data):
    r = stack.assets().specific_folder(csmock.MISSING_UID)
    assert r.status_code in (404, 422), r.text
    cs_error(r, r.status_code)


def test_query_is_dir(stack, data):
    body = ok(json_query(stack.assets(), {"is_dir": True}).find())
    assert sorted(uids(body)) == sorted([data["docs"], data["nested"]])
    for f in body["assets"]:
        assert_folder(f)


def test_query_folder_by_name(stack, data):
    body = ok(json_query(stack.assets(), {"is_dir": True, "name": "Nested"}).find())
    assert uids(body) == [data["nested"]]


def test_query_title_equality(stack, data):
    body = ok(json_query(stack.assets(), {"title": "Beta"}).find())
    assert uids(body) == [data["beta"]]


def test_query_in(stack, data):
    body = ok(json_query(stack.assets(), {"title": {"$in": ["Alpha", "Gamma", "Nope"]}}).find())
    assert sorted(uids(body)) == sorted([data["alpha"], data["gamma"]])
    body = ok(json_query(stack.assets(), {"tags": {"$in": ["blue"]}}).find())
    assert sorted(uids(body)) == sorted([data["pixel"], data["beta"]])


def test_query_regex(stack, data):
    body = ok(json_query(stack.assets(), {"title": {"$regex": "^[AB]"}}).find())
    assert sorted(uids(body)) == sorted([data["alpha"], data["beta"]])
    assert uids(ok(json_query(stack.assets(), {"title": {"$regex": "^alpha$"}}).find())) == []
    body = ok(json_query(stack.assets(), {"title": {"$regex": "^alpha$", "$options": "i"}}).find())
    assert uids(body) == [data["alpha"]]


def test_query_with_folder_and_count(stack, data):
    assets = json_query(stack.assets(), {"tags": "blue"})
    assets.add_param("include_count", True)
    body = ok(assets.specific_folder("cs_root"))
    assert uids(body) == [data["pixel"]]
    assert body["count"] == 1


def test_get_subfolders_sdk_bug_gets_a_clean_error(stack, data):
    """get_subfolders() passes `query` as a dict, which requests encodes as `query=is_dir`:
    not JSON, so no server can read it. The mock must answer a clean Contentstack error."""
    r = stack.assets().get_subfolders(data["docs"])
    assert "query=is_dir" in r.url
    body = cs_error(r, 422)
    assert "query" in body["errors"]


def test_images_only(stack, data):
    body = ok(stack.assets().specific_asset_type("images"))
    assert uids(body) == [data["pixel"]]
