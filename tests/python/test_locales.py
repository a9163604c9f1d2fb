"""Languages (locales) through the official Python SDK: stack.locale().find()/create()
and locale(code).fetch()/update()/delete(). The master locale has
fallback_locale null and is found by query={"fallback_locale": null} (the CLI's
way); an existing code is error_code 247; the master locale cannot be deleted."""

import json

import pytest

import csmock
from csmock import UID_RE, cs_error, ok


@pytest.fixture
def fresh(server):
    """A stack of its own: only the master locale en-us."""
    stack, _ = csmock.fresh_stack(server, "py-locales")
    return stack


def codes(stack):
    return sorted(loc["code"] for loc in ok(stack.locale().find())["locales"])


def test_find_the_master_locale_by_fallback_null(fresh):
    locales = fresh.locale()
    # A dict param would be sent as query=fallback_locale; the filter must be a JSON string.
    locales.add_param("query", json.dumps({"fallback_locale": None}))
    body = ok(locales.find())
    assert [loc["code"] for loc in body["locales"]] == ["en-us"]
    master = body["locales"][0]
    assert master["fallback_locale"] is None
    assert master["name"] == "English - United States"
    assert UID_RE.match(master["uid"]), master


def test_find_lists_every_locale_with_count(fresh):
    ok(fresh.locale().create({"locale": {"code": "fr-fr", "name": "French - France", "fallback_locale": "en-us"}}), 201)
    locales = fresh.locale()
    locales.add_param("include_count", "true")
    body = ok(locales.find())
    assert sorted(loc["code"] for loc in body["locales"]) == ["en-us", "fr-fr"]
    assert body["count"] == 2
    only_master = fresh.locale()
    only_master.add_param("query", json.dumps({"fallback_locale": None}))
    assert [loc["code"] for loc in ok(only_master.find())["locales"]] == ["en-us"]


def test_create_and_fetch(fresh):
    body = ok(fresh.locale().create({"locale": {"code": "fr-fr", "name": "French - France", "fallback_locale": "en-us"}}), 201)
    assert body["notice"] == "Language added successfully."
    loc = body["locale"]
    assert loc["code"] == "fr-fr"
    assert loc["name"] == "French - France"
    assert loc["fallback_locale"] == "en-us"
    assert UID_RE.match(loc["uid"]), loc
    fetched = ok(fresh.locale("fr-fr").fetch())["locale"]
    assert fetched["uid"] == loc["uid"]
    assert fetched["fallback_locale"] == "en-us"


def test_an_existing_code_is_error_247(fresh):
    ok(fresh.locale().create({"locale": {"code": "fr-fr", "name": "French - France", "fallback_locale": "en-us"}}), 201)
    again = fresh.locale().create({"locale": {"code": "fr-fr", "name": "French again", "fallback_locale": "en-us"}})
    assert 400 <= again.status_code < 500, again.text
    cs_error(again, again.status_code, 247)
    master = fresh.locale().create({"locale": {"code": "en-us", "name": "English"}})
    cs_error(master, master.status_code, 247)
    assert codes(fresh) == ["en-us", "fr-fr"]


def test_update_name_and_fallback_chain(fresh):
    ok(fresh.locale().create({"locale": {"code": "fr-fr", "name": "French - France", "fallback_locale": "en-us"}}), 201)
    ok(fresh.locale().set_fallback({"locale": {"code": "fr-ca", "name": "French - Canada", "fallback_locale": "fr-fr"}}), 201)
    body = ok(fresh.locale("fr-fr").update({"locale": {"name": "Français"}}))
    assert body["notice"] == "Language updated successfully."
    assert body["locale"]["name"] == "Français"
    assert body["locale"]["code"] == "fr-fr"
    assert body["locale"]["fallback_locale"] == "en-us"
    # fr-ca falls back to fr-fr, which falls back to the master locale.
    assert ok(fresh.locale("fr-ca").fetch())["locale"]["fallback_locale"] == "fr-fr"
    moved = ok(fresh.locale("fr-ca").update_fallback({"locale": {"fallback_locale": "en-us"}}))
    assert moved["notice"] == "Language updated successfully."
    assert moved["locale"]["fallback_locale"] == "en-us"
    assert ok(fresh.locale("fr-ca").fetch())["locale"]["fallback_locale"] == "en-us"


def test_delete(fresh):
    ok(fresh.locale().create({"locale": {"code": "fr-fr", "name": "French - France", "fallback_locale": "en-us"}}), 201)
    assert ok(fresh.locale("fr-fr").delete()) == {"notice": "Language removed successfully."}
    body = cs_error(fresh.locale("fr-fr").fetch(), 422, 141)
    assert body["errors"] == {"code": ["is not valid."]}
    assert codes(fresh) == ["en-us"]


def test_the_master_locale_cannot_be_deleted(fresh):
    r = fresh.locale("en-us").delete()
    assert 400 <= r.status_code < 500, r.text
    cs_error(r, r.status_code)
    assert ok(fresh.locale("en-us").fetch())["locale"]["fallback_locale"] is None
    assert codes(fresh) == ["en-us"]


def test_an_unknown_locale_is_422_141(fresh):
    body = cs_error(fresh.locale("xx-yy").fetch(), 422, 141)
    assert body["errors"] == {"code": ["is not valid."]}
