"""Asset folders through the official Python SDK: create_folder, folder,
update_or_move (rename, move), delete_folder."""

import json

import requests

import csmock
from csmock import MISSING_UID, assert_folder, cs_error, ok


def create(stack, name, parent=None):
    """create_folder needs a JSON *string*: a dict is sent form-encoded (an SDK bug)."""
    asset = {"name": name}
    if parent is not None:
        asset["parent_uid"] = parent
    body = ok(stack.assets().create_folder(json.dumps({"asset": asset})), 201)
    assert body["notice"] == "Folder created successfully."
    return body["asset"]


def test_create_at_the_root_and_in_a_parent(stack):
    top = create(stack, "Top")
    assert_folder(top)
    assert top["name"] == "Top"
    assert top["parent_uid"] is None
    assert top["_version"] == 1
    assert top["tags"] == []
    assert "title" not in top
    child = create(stack, "Child", top["uid"])
    assert_folder(child)
    assert child["parent_uid"] == top["uid"]


def test_create_with_a_dict_is_refused_and_creates_nothing(stack):
    """The SDK sends a dict as `asset=name` (form-encoded): the mock must refuse it cleanly."""
    before = ok(csmock.json_query(stack.assets(), {"is_dir": True}).find())["assets"]
    r = stack.assets().create_folder({"asset": {"name": "From a dict"}})
    assert 400 <= r.status_code < 500, r.text
    cs_error(r, r.status_code)
    after = ok(csmock.json_query(stack.assets(), {"is_dir": True}).find())["assets"]
    assert after == before


def test_create_under_a_missing_parent_is_refused(stack):
    r = stack.assets().create_folder(json.dumps({"asset": {"name": "Orphan", "parent_uid": MISSING_UID}}))
    assert 400 <= r.status_code < 500, r.text
    cs_error(r, r.status_code)


def test_fetch_and_include_path(stack):
    a = create(stack, "A")
    b = create(stack, "B", a["uid"])
    c = create(stack, "C", b["uid"])
    fetched = ok(stack.assets().folder(c["uid"]))["asset"]
    assert_folder(fetched)
    assert fetched["uid"] == c["uid"]
    assert fetched["name"] == "C"
    assert fetched["parent_uid"] == b["uid"]
    assets = stack.assets()
    assets.add_param("include_path", True)
    with_path = ok(assets.folder(c["uid"]))["asset"]
    names = [p["name"] for p in with_path["path"]]
    assert "A" in names and "B" in names, with_path["path"]
    for p in with_path["path"]:
        assert csmock.UID_RE.match(p["uid"])


def test_rename(stack):
    f = create(stack, "Old name")
    body = ok(stack.assets().update_or_move(f["uid"], {"asset": {"name": "New name"}}))
    assert body["notice"] == "Folder updated successfully."
    assert_folder(body["asset"])
    assert body["asset"]["name"] == "New name"
    assert body["asset"]["_version"] == 2
    assert ok(stack.assets().folder(f["uid"]))["asset"]["name"] == "New name"


def test_move_and_back_to_the_root(stack):
    target = create(stack, "Target")
    mover = create(stack, "Mover")
    moved = ok(stack.assets().update_or_move(mover["uid"], {"asset": {"parent_uid": target["uid"]}}))["asset"]
    assert moved["parent_uid"] == target["uid"]
    assert moved["name"] == "Mover"
    children = ok(stack.assets().subfolders(target["uid"]))["assets"]
    assert [x["uid"] for x in children] == [mover["uid"]]
    back = ok(stack.assets().update_or_move(mover["uid"], {"asset": {"parent_uid": None}}))["asset"]
    assert back["parent_uid"] is None


def test_move_into_own_subfolder_is_refused(stack):
    parent = create(stack, "Loop parent")
    child = create(stack, "Loop child", parent["uid"])
    r = stack.assets().update_or_move(parent["uid"], {"asset": {"parent_uid": child["uid"]}})
    assert 400 <= r.status_code < 500, r.text
    cs_error(r, r.status_code)
    assert ok(stack.assets().folder(parent["uid"]))["asset"]["parent_uid"] is None


def test_delete_folder_with_its_contents(server, files):
    stack = csmock.stack(server)
    folder = create(stack, "Doomed")
    sub = create(stack, "Doomed sub", folder["uid"])
    inside = ok(stack.assets().upload(files["hello"]), 201)["asset"]
    ok(stack.assets(inside["uid"]).update({"asset": {"parent_uid": sub["uid"]}}))
    outside = ok(stack.assets().upload(files["hello"]), 201)["asset"]
    body = ok(stack.assets().delete_folder(folder["uid"]))
    assert body == {"notice": "Folder deleted successfully."}
    cs_error(stack.assets().folder(folder["uid"]), 422, 145)
    cs_error(stack.assets().folder(sub["uid"]), 422, 145)
    cs_error(stack.assets(inside["uid"]).fetch(), 422, 145)
    assert requests.get(inside["url"], timeout=15).status_code == 404
    assert ok(stack.assets(outside["uid"]).fetch())["asset"]["uid"] == outside["uid"]


def test_missing_folder(stack):
    cs_error(stack.assets().folder(MISSING_UID), 422, 145)
    cs_error(stack.assets().update_or_move(MISSING_UID, {"asset": {"name": "x"}}), 422, 145)
    cs_error(stack.assets().delete_folder(MISSING_UID), 422, 145)
