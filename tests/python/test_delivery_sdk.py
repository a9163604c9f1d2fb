"""The official Python delivery SDK (`contentstack` on PyPI) against the mock over
HTTPS, as a website's backend uses it: fetch an asset, query assets, and sync (init,
pagination, then a delta with a publish, an unpublish and a delete). The SDK only
speaks https://, so the mock runs its HTTPS listener and requests trusts its
self-signed certificate through REQUESTS_CA_BUNDLE (appended to the machine's bundle)."""

import os

import contentstack
import pytest
from contentstack.basequery import QueryOperation

import csmock
from csmock import ISO_RE, ok


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    srv = csmock.Server(tls=True)
    bundle = tmp_path_factory.mktemp("csmock-ca") / "bundle.pem"
    system = os.environ.get("REQUESTS_CA_BUNDLE") or __import__("certifi").where()
    with open(system, "rb") as base, open(srv.cert_path, "rb") as mine:
        bundle.write_bytes(base.read() + b"\n" + mine.read())
    before = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)
    yield srv
    if before is None:
        os.environ.pop("REQUESTS_CA_BUNDLE", None)
    else:
        os.environ["REQUESTS_CA_BUNDLE"] = before
    srv.stop()


@pytest.fixture(scope="module")
def site(tls_server):
    """A stack with three assets, two published to development/en-us, and a delivery token."""
    created = tls_server.create_stack("py-delivery-sdk")
    key, token = created["api_key"], created["management_token"]

    def upload(name, body):
        r = tls_server.raw("POST", "/v3/assets", api_key=key, token=token,
                           files={"asset[upload]": (name, body, "text/plain")}, data={"asset[title]": name})
        assert r.status_code == 201, r.text
        return r.json()["asset"]

    assets = {name: upload(name, f"bytes of {name}\n".encode()) for name in ["one.txt", "two.txt", "draft.txt"]}
    for name in ["one.txt", "two.txt"]:
        r = tls_server.raw("POST", f"/v3/assets/{assets[name]['uid']}/publish", {
            "asset": {"environments": ["development"], "locales": ["en-us"]}}, api_key=key, token=token)
        assert r.status_code == 201, r.text
    r = tls_server.raw("POST", "/v3/stacks/delivery_tokens", {"token": {"name": "py site", "scope": [
        {"module": "environment", "environments": ["development"], "acl": {"read": True}},
        {"module": "branch", "branches": ["main"], "acl": {"read": True}}]}}, api_key=key, token=token)
    assert r.status_code == 201, r.text
    return {"api_key": key, "token": token, "delivery_token": r.json()["token"]["token"], "assets": assets}


def delivery(tls_server, site):
    return contentstack.Stack(site["api_key"], site["delivery_token"], "development",
                              host=f"127.0.0.1:{tls_server.tls_port}")


def test_fetch_an_asset_over_https(tls_server, site):
    one = site["assets"]["one.txt"]
    body = delivery(tls_server, site).asset(one["uid"]).fetch()
    asset = body["asset"]
    assert asset["uid"] == one["uid"]
    assert asset["title"] == "one.txt"
    assert asset["publish_details"]["locale"] == "en-us"
    assert ISO_RE.match(asset["publish_details"]["time"])
    # The same file; the url names the HTTPS address the SDK used.
    https_base = f"https://127.0.0.1:{tls_server.tls_port}"
    assert asset["url"].startswith(https_base + "/v3/assets/"), asset["url"]
    assert asset["url"].split("/v3/", 1)[1] == one["url"].split("/v3/", 1)[1]
    missing = delivery(tls_server, site).asset(site["assets"]["draft.txt"]["uid"]).fetch()
    assert missing["error_code"] == 145, missing


def test_query_assets_over_https(tls_server, site):
    body = delivery(tls_server, site).asset_query().find()
    assert sorted(a["title"] for a in body["assets"]) == ["one.txt", "two.txt"]
    found = (delivery(tls_server, site).asset_query()
             .where("title", QueryOperation.EQUALS, "two.txt").include_branch().include_metadata().find())
    assert [a["title"] for a in found["assets"]] == ["two.txt"]
    assert found["assets"][0]["_branch"] == "main"
    assert "_metadata" in found["assets"][0]


def test_sync_init_then_a_delta(tls_server, site):
    stack = delivery(tls_server, site)
    typed = stack.sync_init(publish_type="asset_published")
    assert sorted(i["data"]["title"] for i in typed["items"]) == ["one.txt", "two.txt"]
    # Without a type, the later deltas carry every kind of event (a type chosen at
    # init sticks to its tokens).
    init = delivery(tls_server, site).sync_init()
    assert sorted(i["data"]["title"] for i in init["items"]) == ["one.txt", "two.txt"]
    assert all(i["type"] == "asset_published" and i["content_type_uid"] == "sys_assets" for i in init["items"])
    sync_token = init["sync_token"]

    key, token = site["api_key"], site["token"]
    draft, one, two = (site["assets"][n]["uid"] for n in ["draft.txt", "one.txt", "two.txt"])
    publish = {"asset": {"environments": ["development"], "locales": ["en-us"]}}
    assert tls_server.raw("POST", f"/v3/assets/{draft}/publish", publish, api_key=key, token=token).status_code == 201
    assert tls_server.raw("POST", f"/v3/assets/{one}/unpublish", publish, api_key=key, token=token).status_code == 201
    assert tls_server.raw("DELETE", f"/v3/assets/{two}", api_key=key, token=token).status_code == 200

    delta = delivery(tls_server, site).sync_token(sync_token)
    events = sorted((i["type"], i["data"]["uid"]) for i in delta["items"])
    assert events == sorted([("asset_published", draft), ("asset_unpublished", one), ("asset_deleted", two)])
    assert delta["sync_token"]


def test_sync_pages_with_a_pagination_token(tls_server, site):
    created = tls_server.create_stack("py-delivery-pages")
    key, token = created["api_key"], created["management_token"]
    uids = []
    for i in range(105):
        r = tls_server.raw("POST", "/v3/assets", api_key=key, token=token,
                           files={"asset[upload]": (f"f{i}.txt", b"x", "text/plain")})
        uids.append(r.json()["asset"]["uid"])
    r = tls_server.raw("POST", "/v3/bulk/publish", {"assets": [{"uid": u} for u in uids[:100]],
                       "environments": ["development"], "locales": ["en-us"]}, api_key=key, token=token)
    assert r.status_code == 200, r.text
    r = tls_server.raw("POST", "/v3/bulk/publish", {"assets": [{"uid": u} for u in uids[100:]],
                       "environments": ["development"], "locales": ["en-us"]}, api_key=key, token=token)
    assert r.status_code == 200, r.text
    r = tls_server.raw("POST", "/v3/stacks/delivery_tokens", {"token": {"name": "pages", "scope": [
        {"module": "environment", "environments": ["development"]},
        {"module": "branch", "branches": ["main"]}]}}, api_key=key, token=token)
    value = ok(r, 201)["token"]["token"]
    stack = contentstack.Stack(key, value, "development", host=f"127.0.0.1:{tls_server.tls_port}")
    first = stack.sync_init()
    assert len(first["items"]) == 100 and "pagination_token" in first, {k: v for k, v in first.items() if k != "items"}
    rest = stack.pagination(first["pagination_token"])
    assert len(rest["items"]) == 5 and "sync_token" in rest
    assert sorted(i["data"]["uid"] for i in first["items"] + rest["items"]) == sorted(uids)
