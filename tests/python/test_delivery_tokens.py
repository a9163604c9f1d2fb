"""Delivery tokens through the official Python SDK: stack.delivery_token()
create/find and delivery_token(uid).fetch()/update()/delete(). Scopes name
environments in requests and come back as environment objects; the token value
is `cs` + 24 hex."""

import pytest

import csmock
from csmock import DELIVERY_TOKEN_RE, UID_RE, cs_error, ok


@pytest.fixture
def fresh(server):
    stack, _ = csmock.fresh_stack(server, "py-delivery-tokens")
    return stack


def token_body(name, environments, description="for the site"):
    return {"token": {
        "name": name,
        "description": description,
        "scope": [
            {"module": "environment", "environments": environments, "acl": {"read": True}},
            {"module": "branch", "branches": ["main"], "acl": {"read": True}},
        ],
    }}


def environment_scope(token):
    scopes = [s for s in token["scope"] if s["module"] == "environment"]
    assert len(scopes) == 1, token["scope"]
    return scopes[0]


def test_create_expands_the_environments(fresh):
    dev_uid = csmock.environment_uid(fresh, "development")
    body = ok(fresh.delivery_token().create(token_body("site", ["development"])), 201)
    assert body["notice"] == "Delivery Token created successfully."
    t = body["token"]
    assert UID_RE.match(t["uid"]), t
    assert t["name"] == "site"
    assert t["description"] == "for the site"
    assert t["type"] == "delivery"
    assert DELIVERY_TOKEN_RE.match(t["token"]), t["token"]
    scope = environment_scope(t)
    assert scope["acl"] == {"read": True}
    [env] = scope["environments"]
    assert isinstance(env, dict), scope
    assert env["name"] == "development"
    assert env["uid"] == dev_uid


def test_each_token_has_its_own_value(fresh):
    a = ok(fresh.delivery_token().create(token_body("a", ["development"])), 201)["token"]
    b = ok(fresh.delivery_token().create(token_body("b", ["development"])), 201)["token"]
    assert a["token"] != b["token"]
    assert a["uid"] != b["uid"]


def test_find_and_fetch(fresh):
    created = ok(fresh.delivery_token().create(token_body("listed", ["development"])), 201)["token"]
    tokens = ok(fresh.delivery_token().find())["tokens"]
    assert [t["uid"] for t in tokens] == [created["uid"]]
    assert environment_scope(tokens[0])["environments"][0]["name"] == "development"
    fetched = ok(fresh.delivery_token(created["uid"]).fetch())["token"]
    assert fetched["uid"] == created["uid"]
    assert fetched["token"] == created["token"]
    assert environment_scope(fetched)["environments"][0]["name"] == "development"


def test_update_name_and_scope(fresh):
    prod = ok(fresh.environments().create(
        {"environment": {"name": "production", "urls": [{"locale": "en-us", "url": "https://www.example.com"}]}}), 201)["environment"]
    created = ok(fresh.delivery_token().create(token_body("site", ["development"])), 201)["token"]
    body = ok(fresh.delivery_token(created["uid"]).update(token_body("production site", ["production"])))
    assert body["notice"] == "Delivery Token updated successfully."
    t = body["token"]
    assert t["uid"] == created["uid"]
    assert t["name"] == "production site"
    assert t["token"] == created["token"], "an update keeps the token value"
    [env] = environment_scope(t)["environments"]
    assert env["name"] == "production"
    assert env["uid"] == prod["uid"]
    fetched = ok(fresh.delivery_token(created["uid"]).fetch())["token"]
    assert environment_scope(fetched)["environments"][0]["name"] == "production"


def test_update_with_the_fetched_object_sent_back(fresh):
    """What the JS SDK does: the whole token, with expanded environments, token and type."""
    created = ok(fresh.delivery_token().create(token_body("site", ["development"])), 201)["token"]
    whole = ok(fresh.delivery_token(created["uid"]).fetch())["token"]
    whole["name"] = "renamed site"
    body = ok(fresh.delivery_token(created["uid"]).update({"token": whole}))
    assert body["token"]["name"] == "renamed site"
    assert body["token"]["token"] == created["token"]
    assert environment_scope(body["token"])["environments"][0]["name"] == "development"


def test_delete(fresh):
    created = ok(fresh.delivery_token().create(token_body("doomed", ["development"])), 201)["token"]
    assert ok(fresh.delivery_token(created["uid"]).delete()) == {"notice": "Delivery Token deleted successfully."}
    r = fresh.delivery_token(created["uid"]).fetch()
    assert 400 <= r.status_code < 500, r.text
    cs_error(r, r.status_code)
    assert ok(fresh.delivery_token().find())["tokens"] == []


def test_a_scope_with_an_unknown_environment_is_refused(fresh):
    cs_error(fresh.delivery_token().create(token_body("nowhere", ["nowhere"])), 422, 141)
    assert ok(fresh.delivery_token().find())["tokens"] == []


def test_a_scope_without_a_branch_or_alias_is_refused(fresh):
    body = {"token": {"name": "no branch", "scope": [{"module": "environment", "environments": ["development"], "acl": {"read": True}}]}}
    err = cs_error(fresh.delivery_token().create(body), 422)
    assert "scope.branch_or_alias" in err["errors"], err
    assert ok(fresh.delivery_token().find())["tokens"] == []
