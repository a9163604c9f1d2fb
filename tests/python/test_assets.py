"""Upload, fetch, update, replace, versions, download, images and delete of single
assets, driven through the official Python management SDK."""

import re

import requests

import csmock
from csmock import DEFAULT_API_KEY, MISSING_UID, assert_file_asset, cs_error, ok


def url_re(uid, filename):
    # The url names the host the SDK reached the mock by.
    return re.compile(
        rf"^http://127\.0\.0\.1:\d+/v3/assets/{DEFAULT_API_KEY}/{uid}/[a-f0-9]{{24}}/{re.escape(filename)}$"
    )


def upload(stack, path):
    body = ok(stack.assets().upload(path), 201)
    assert body["notice"] == "Asset created successfully."
    return body["asset"]


def test_upload_from_a_path(stack, files):
    a = upload(stack, files["hello"])
    assert_file_asset(a)
    # The Python SDK sends only the file: the title defaults to the filename.
    assert a["title"] == "hello.txt"
    assert a["filename"] == "hello.txt"
    assert a["content_type"] == "text/plain"
    assert a["file_size"] == str(len(files["hello_bytes"]))
    assert a["tags"] == []
    assert a["parent_uid"] is None
    assert "description" not in a
    assert a["_version"] == 1
    assert a["created_at"] == a["updated_at"]
    assert url_re(a["uid"], "hello.txt").match(a["url"]), a["url"]


def test_upload_a_png_and_fetch_its_dimension(stack, files):
    a = upload(stack, files["png"])
    assert a["content_type"] == "image/png"
    assert a["file_size"] == "73"
    assets = stack.assets(a["uid"])
    assets.add_param("include_dimension", True)
    fetched = ok(assets.fetch())["asset"]
    assert fetched["dimension"] == {"height": 2, "width": 3}


def test_fetch_returns_what_the_upload_returned(stack, files):
    a = upload(stack, files["hello"])
    fetched = ok(stack.assets(a["uid"]).fetch())["asset"]
    assert_file_asset(fetched)
    for key in ("uid", "title", "filename", "url", "file_size", "content_type", "created_at",
                "updated_at", "parent_uid", "_version", "tags"):
        assert fetched[key] == a[key], key


def test_upload_then_json_calls_on_the_same_client(server, files):
    """upload() drops the client's Content-Type for good: later JSON bodies arrive without one."""
    stack = csmock.stack(server)
    a = upload(stack, files["hello"])
    assert "Content-Type" not in stack.client.headers
    folder = ok(stack.assets().create_folder('{"asset": {"name": "After upload"}}'), 201)["asset"]
    csmock.assert_folder(folder)
    assert folder["name"] == "After upload"
    moved = ok(stack.assets().update_or_move(folder["uid"], {"asset": {"name": "Renamed after upload"}}))
    assert moved["asset"]["name"] == "Renamed after upload"
    fetched = ok(stack.assets(a["uid"]).fetch())["asset"]
    assert fetched["uid"] == a["uid"]


def test_update_title_description_tags(stack, files):
    a = upload(stack, files["hello"])
    body = ok(stack.assets(a["uid"]).update(
        {"asset": {"title": "New title", "description": "Described", "tags": ["x", "y"]}}))
    assert body["notice"] == "Asset updated successfully."
    u = body["asset"]
    assert_file_asset(u)
    assert u["uid"] == a["uid"]
    assert u["title"] == "New title"
    assert u["description"] == "Described"
    assert u["tags"] == ["x", "y"]
    assert u["_version"] == 2
    assert u["url"] == a["url"]
    assert u["file_size"] == a["file_size"]
    again = ok(stack.assets(a["uid"]).fetch())["asset"]
    assert again["title"] == "New title"
    assert again["_version"] == 2


def test_update_moves_into_a_folder(stack, files):
    folder = ok(stack.assets().create_folder('{"asset": {"name": "Move target"}}'), 201)["asset"]
    a = upload(stack, files["hello"])
    u = ok(stack.assets(a["uid"]).update({"asset": {"parent_uid": folder["uid"]}}))["asset"]
    assert u["parent_uid"] == folder["uid"]
    listed = ok(stack.assets().specific_folder(folder["uid"]))["assets"]
    assert [x["uid"] for x in listed] == [a["uid"]]


def test_fetch_an_older_version(stack, files):
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).update({"asset": {"title": "Second title"}}))
    assets = stack.assets(a["uid"])
    assets.add_param("version", 1)
    v1 = ok(assets.fetch())["asset"]
    assert v1["_version"] == 1
    assert v1["title"] == "hello.txt"
    latest = ok(stack.assets(a["uid"]).fetch())["asset"]
    assert latest["_version"] == 2
    assert latest["title"] == "Second title"


def test_replace_from_a_path(stack, files):
    """replace() sends the file as the part named `asset` (not asset[upload])."""
    a = upload(stack, files["hello"])
    body = ok(stack.assets(a["uid"]).replace(files["replacement"]))
    assert body["notice"] == "Asset updated successfully."
    r = body["asset"]
    assert_file_asset(r)
    assert r["uid"] == a["uid"]
    assert r["_version"] == 2
    assert r["filename"] == "replacement.txt"
    assert r["file_size"] == str(len(files["replacement_bytes"]))
    assert r["url"] != a["url"]
    assert url_re(a["uid"], "replacement.txt").match(r["url"]), r["url"]
    got = requests.get(r["url"], timeout=15)
    assert got.status_code == 200
    assert got.content == files["replacement_bytes"]


def test_versions_newest_first(stack, files):
    a = upload(stack, files["hello"])
    ok(stack.assets(a["uid"]).update({"asset": {"title": "two"}}))
    ok(stack.assets(a["uid"]).replace(files["replacement"]))
    versions = ok(stack.assets(a["uid"]).version())["versions"]
    assert [v["_version"] for v in versions] == [3, 2, 1]
    for v in versions:
        assert csmock.ISO_RE.match(v["updated_at"])
        assert isinstance(v["updated_by"], str)
    assert versions[-1]["updated_at"] == a["created_at"]
    assets = stack.assets(a["uid"])
    assets.add_param("include_count", True)
    assert ok(assets.version())["count"] == 3


def test_download_through_the_url(stack, files):
    a = upload(stack, files["bin"])
    assert a["file_size"] == "256"
    got = requests.get(a["url"], timeout=15)
    assert got.status_code == 200
    assert got.content == csmock.ALL_BYTES
    assert got.headers["Content-Length"] == "256"
    png = upload(stack, files["png"])
    got = requests.get(png["url"], timeout=15)
    assert got.content == csmock.PNG_3X2
    assert got.headers["Content-Type"].startswith("image/png")


def test_images_and_videos(files):
    # A stack of its own, so the lists hold only what this test uploads.
    s = csmock.Server()
    try:
        stack = csmock.stack(s)
        png = upload(stack, files["png"])
        upload(stack, files["hello"])
        images = ok(stack.assets().specific_asset_type("images"))["assets"]
        assert [x["uid"] for x in images] == [png["uid"]]
        assert_file_asset(images[0])
        assert ok(stack.assets().specific_asset_type("videos"))["assets"] == []
    finally:
        s.stop()


def test_delete(stack, files):
    a = upload(stack, files["hello"])
    body = ok(stack.assets(a["uid"]).delete())
    assert body == {"notice": "Asset deleted successfully."}
    cs_error(stack.assets(a["uid"]).fetch(), 422, 145, "Asset was not found.")
    assert requests.get(a["url"], timeout=15).status_code == 404
    listed = csmock.json_query(stack.assets(), {"uid": a["uid"]}).find()
    assert ok(listed)["assets"] == []
    cs_error(stack.assets(a["uid"]).delete(), 422, 145)


def test_missing_asset_errors(stack, files):
    cs_error(stack.assets(MISSING_UID).fetch(), 422, 145, "Asset was not found.")
    body = cs_error(stack.assets(MISSING_UID).update({"asset": {"title": "x"}}), 422, 145)
    assert body["errors"] == {"uid": ["is not valid."]}
    cs_error(stack.assets(MISSING_UID).replace(files["hello"]), 422, 145)
    cs_error(stack.assets(MISSING_UID).delete(), 422, 145)
    cs_error(stack.assets(MISSING_UID).version(), 422, 145)
