"""Publishing environments through the official Python SDK:
stack.environments().find()/create() and environments(name).fetch()/update()/delete(),
addressed by name; duplicates and bad names are 422 with errors.name."""

import pytest

import csmock
from csmock import ISO_RE, UID_RE, cs_error, ok

URLS = [{"locale": "en-us", "url": "https://staging.example.com"}]


def assert_environment(e, name):
    assert UID_RE.match(e["uid"]), e
    assert e["name"] == name
    assert isinstance(e["urls"], list)
    assert isinstance(e["_version"], int) and e["_version"] >= 1
    assert ISO_RE.match(e["created_at"]) and ISO_RE.match(e["updated_at"])
    assert isinstance(e["created_by"], str) and isinstance(e["updated_by"], str)


@pytest.fixture
def fresh(server):
    """A stack of its own: only the default `development` environment."""
    stack, _ = csmock.fresh_stack(server, "py-environments")
    return stack


def names(stack):
    return sorted(e["name"] for e in ok(stack.environments().find())["environments"])


def test_find_lists_the_default_development_environment(fresh):
    body = ok(fresh.environments().find())
    assert [e["name"] for e in body["environments"]] == ["development"]
    dev = body["environments"][0]
    assert_environment(dev, "development")
    assert [u["url"] for u in dev["urls"]] == ["http://localhost:3000"]


def test_find_with_include_count(fresh):
    envs = fresh.environments()
    envs.add_param("include_count", "true")
    body = ok(envs.find())
    assert body["count"] == 1


def test_fetch_by_name(fresh):
    body = ok(fresh.environments("development").fetch())
    assert_environment(body["environment"], "development")


def test_create(fresh):
    body = ok(fresh.environments().create({"environment": {"name": "staging", "urls": URLS}}), 201)
    assert body["notice"] == "Environment created successfully."
    e = body["environment"]
    assert_environment(e, "staging")
    assert e["urls"] == URLS
    assert e["_version"] == 1
    fetched = ok(fresh.environments("staging").fetch())["environment"]
    assert fetched["uid"] == e["uid"]
    assert names(fresh) == ["development", "staging"]


def test_update_urls(fresh):
    e = ok(fresh.environments().create({"environment": {"name": "staging", "urls": URLS}}), 201)["environment"]
    new_urls = [{"locale": "en-us", "url": "https://staging2.example.com"}]
    body = ok(fresh.environments("staging").update({"environment": {"name": "staging", "urls": new_urls}}))
    assert body["notice"] == "Environment updated successfully."
    u = body["environment"]
    assert u["uid"] == e["uid"]
    assert u["urls"] == new_urls
    assert u["_version"] == 2
    assert u["created_at"] == e["created_at"]


def test_rename_through_the_old_name(fresh):
    e = ok(fresh.environments().create({"environment": {"name": "staging", "urls": URLS}}), 201)["environment"]
    body = ok(fresh.environments("staging").update({"environment": {"name": "qa"}}))
    assert body["notice"] == "Environment updated successfully."
    assert body["environment"]["name"] == "qa"
    assert body["environment"]["uid"] == e["uid"]
    assert ok(fresh.environments("qa").fetch())["environment"]["uid"] == e["uid"]
    gone = cs_error(fresh.environments("staging").fetch(), 422, 141)
    assert gone["errors"] == {"name": ["is not valid."]}
    assert names(fresh) == ["development", "qa"]


def test_rename_to_a_taken_name(fresh):
    ok(fresh.environments().create({"environment": {"name": "staging", "urls": URLS}}), 201)
    body = cs_error(fresh.environments("staging").update({"environment": {"name": "development"}}), 422, 120)
    assert body["errors"] == {"name": ["is not unique."]}
    assert names(fresh) == ["development", "staging"]


def test_delete(fresh):
    ok(fresh.environments().create({"environment": {"name": "staging", "urls": URLS}}), 201)
    assert ok(fresh.environments("staging").delete()) == {"notice": "Environment deleted successfully."}
    body = cs_error(fresh.environments("staging").fetch(), 422, 141)
    assert body["errors"] == {"name": ["is not valid."]}
    cs_error(fresh.environments("staging").delete(), 422, 141)
    assert names(fresh) == ["development"]


def test_duplicate_name(fresh):
    body = cs_error(fresh.environments().create({"environment": {"name": "development", "urls": URLS}}), 422, 120)
    assert body["errors"] == {"name": ["is not unique."]}
    assert names(fresh) == ["development"]


@pytest.mark.parametrize("name", ["Staging", "my env", "a#b", "a/b", "a?b", "a*b", "a:b", "a'b", "a,b", "x" * 256, ""])
def test_bad_names_are_refused(fresh, name):
    body = cs_error(fresh.environments().create({"environment": {"name": name, "urls": URLS}}), 422)
    assert isinstance(body["errors"].get("name"), list), body
    assert names(fresh) == ["development"]


def test_environments_of_another_stack_are_not_visible(server, fresh):
    ok(fresh.environments().create({"environment": {"name": "only-here", "urls": URLS}}), 201)
    cs_error(csmock.stack(server).environments("only-here").fetch(), 422, 141)
