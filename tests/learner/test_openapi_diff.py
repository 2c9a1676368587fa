"""tpmkit.openapi_diff: each kind of change found and classified breaking or additive, $refs followed, the
shipped Tillpoint descriptions true to the running API, and bad input refused in one line."""

from __future__ import annotations

import copy

import pytest

from tpmkit import api, openapi_diff
from tpmkit.errors import KitError


def tiny() -> dict:
    """A one-endpoint description to plant single changes in."""
    return {
        "info": {"version": "1"},
        "security": [{"key": []}],
        "components": {"schemas": {"Thing": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["a", "b"]}}}}},
        "paths": {"/things": {"post": {
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["amount"], "properties": {
                    "amount": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "note": {"type": "string"},
                    "colour": {"type": "string", "enum": ["red", "blue"]}}}}}},
            "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
        }}},
    }


def changed(edit) -> dict[str, bool]:
    new = tiny()
    edit(new)
    return {c["id"]: c["breaking"] for c in openapi_diff.compare(tiny(), new).changes}


def body(doc):
    return doc["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]


def thing(doc):
    return doc["components"]["schemas"]["Thing"]


def post(doc):
    return doc["paths"]["/things"]["post"]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: d["paths"].pop("/things"), {"POST /things: endpoint removed": True}),
    (lambda d: d["paths"].update({"/other": {"get": {"responses": {}}}}), {"GET /other: endpoint added": False}),
    (lambda d: thing(d)["properties"].pop("name"), {"POST /things: response field name removed": True}),
    (lambda d: thing(d)["properties"].update(size={"type": "integer"}),
     {"POST /things: response field size added": False}),
    (lambda d: body(d)["properties"].update(currency={"type": "string"}) or body(d)["required"].append("currency"),
     {"POST /things: request field currency added (required)": True}),
    (lambda d: body(d)["properties"].update(extra={"type": "string"}),
     {"POST /things: request field extra added (optional)": False}),
    (lambda d: body(d)["required"].append("note"), {"POST /things: request field note made required": True}),
    (lambda d: body(d)["required"].remove("amount"), {"POST /things: request field amount made optional": False}),
    (lambda d: body(d)["properties"].pop("note"), {"POST /things: request field note removed": True}),
    (lambda d: body(d)["properties"]["amount"].update(maximum=500),
     {"POST /things: request field amount maximum lowered from 1000 to 500": True}),
    (lambda d: body(d)["properties"]["amount"].update(maximum=5000),
     {"POST /things: request field amount maximum raised from 1000 to 5000": False}),
    (lambda d: body(d)["properties"]["amount"].update(minimum=10),
     {"POST /things: request field amount minimum raised from 1 to 10": True}),
    (lambda d: body(d)["properties"]["note"].update(maxLength=10),
     {"POST /things: request field note max length added (10)": True}),
    (lambda d: body(d)["properties"]["amount"].update(type="string"),
     {"POST /things: request field amount type changed from integer to string": True}),
    (lambda d: body(d)["properties"]["colour"].update(enum=["red"]),
     {"POST /things: request field colour enum value blue removed": True}),
    (lambda d: body(d)["properties"]["colour"].update(enum=["red", "blue", "green"]),
     {"POST /things: request field colour enum value green added": False}),
    (lambda d: thing(d)["properties"]["kind"].update(enum=["a", "b", "c"]),
     {"POST /things: response field kind enum value c added": False}),
    (lambda d: thing(d)["properties"]["name"].update(type=["string", "null"]),
     {"POST /things: response field name type changed from string to null/string": True}),
    (lambda d: thing(d)["required"].remove("name"), {"POST /things: response field name made optional": True}),
    (lambda d: post(d)["responses"].update({"200": post(d)["responses"].pop("201")}),
     {"POST /things: status 201 removed": True, "POST /things: status 200 added": False}),
    (lambda d: post(d)["parameters"][0]["schema"].update(maximum=50),
     {"POST /things: query parameter limit maximum lowered from 100 to 50": True}),
    (lambda d: post(d)["parameters"].append({"name": "shop", "in": "query", "required": True}),
     {"POST /things: query parameter shop added (required)": True}),
    (lambda d: post(d)["parameters"].append({"name": "sort", "in": "query"}),
     {"POST /things: query parameter sort added (optional)": False}),
    (lambda d: post(d)["parameters"][0].update(required=True),
     {"POST /things: query parameter limit made required": True}),
    (lambda d: post(d)["parameters"].clear(), {"POST /things: query parameter limit removed": True}),
    (lambda d: post(d).update(security=[]), {"POST /things: auth no longer required": False}),
    (lambda d: d.update(security=[{"oauth": []}]), {"POST /things: auth scheme changed": True}),
])
def test_each_kind_of_change(edit, expected):
    assert changed(edit) == expected


def test_auth_added_where_none_was_needed_is_breaking():
    old, new = tiny(), tiny()
    post(old)["security"] = []
    assert {c["id"]: c["breaking"] for c in openapi_diff.compare(old, new).changes} == {
        "POST /things: auth required": True}


def test_a_rename_is_a_removal_plus_an_addition():
    def rename(d):
        props = thing(d)["properties"]
        props["title"] = props.pop("name")
    assert changed(rename) == {"POST /things: response field name removed": True,
                               "POST /things: response field title added": False}


def test_nested_lists_are_named_by_path():
    old = tiny()
    post(old)["responses"]["200"] = {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}}
    new = copy.deepcopy(old)
    thing(new)["properties"].pop("kind")
    ids = openapi_diff.compare(old, new).ids
    assert "POST /things: response field data[].kind removed" in ids
    assert "POST /things: response field kind removed" in ids  # the 201 answer uses Thing too


def test_identical_descriptions_have_no_changes():
    diff = openapi_diff.compare(tiny(), tiny())
    assert diff.changes == [] and len(diff) == 0


def test_the_2026_07_01_rename_of_name_to_business_name():
    diff = openapi_diff.compare(openapi_diff.tillpoint("2026-01-01"), openapi_diff.tillpoint("2026-07-01"))
    assert diff.breaking == ["GET /v1/customers: response field data[].name removed",
                             "GET /v1/customers/{customer_id}: response field name removed"]
    assert len(diff) == 4
    assert "BREAKING" in diff._repr_html_() and "2 breaking" in repr(diff)
    assert list(diff.table().columns) == ["change", "breaking", "why"]


def test_the_2027_01_01_proposal_plants_eight_breaking_changes():
    diff = openapi_diff.compare(openapi_diff.tillpoint("2026-07-01"), openapi_diff.tillpoint("2027-01-01"))
    assert sorted(diff.breaking) == sorted([
        "POST /v1/messages: endpoint removed",
        "GET /health: auth required",
        "GET /v1/customers: response field data[].city removed",
        "GET /v1/customers/{customer_id}: response field city removed",
        "GET /v1/payments: query parameter per_page maximum lowered from 100 to 50",
        "POST /v1/payments: request field currency added (required)",
        "POST /v1/refunds: status 201 removed",
        "POST /v1/webhook_endpoints: request field events[] enum value refund.created removed",
    ])
    assert len(diff) == 19


def test_tillpoint_descriptions_are_fresh_copies_and_versions_are_checked():
    first = openapi_diff.tillpoint()
    first["paths"].clear()
    assert openapi_diff.tillpoint()["paths"]
    assert [openapi_diff.tillpoint(v)["info"]["version"] for v in openapi_diff.VERSIONS] == list(openapi_diff.VERSIONS)
    with pytest.raises(KitError, match="version is one of"):
        openapi_diff.tillpoint("2026-13-01")


def test_the_shipped_description_matches_what_the_running_api_serves():
    served = api.create_app().openapi()
    ours = openapi_diff.tillpoint(api.LATEST)
    served_ops = {(m, p) for p, item in served["paths"].items() for m in item}
    our_ops = {(m, p) for p, item in ours["paths"].items() for m in item}
    assert our_ops == served_ops
    for path, item in ours["paths"].items():
        for method, op in item.items():
            ours_named = {p["name"] for p in op.get("parameters", [])} - {"Tillpoint-Version"}  # a header it reads
            assert ours_named == {p["name"] for p in served["paths"][path][method].get("parameters", [])}, path
            success = {c for c in op["responses"] if c.startswith("2")}
            assert success == {c for c in served["paths"][path][method]["responses"] if c.startswith("2")}
            # Every error status the shipped description gives is one the API documents for that operation:
            # a bad query parameter is 400 there, never 422 (which is about a request body's content).
            errors = {c for c in op["responses"] if c[0] in "45"}
            assert errors <= set(served["paths"][path][method]["responses"]), (method, path)
            if "requestBody" not in op:
                assert "422" not in errors, (method, path)


@pytest.mark.parametrize(("old", "new", "message"), [
    (None, {}, "old must be an OpenAPI description"),
    ({"paths": {}}, {"paths": []}, "new must be an OpenAPI description"),
    ({"paths": {"/x": []}}, {"paths": {}}, "must be a dict of operations"),
    ({"paths": {"/x": {"get": 3}}}, {"paths": {}}, "describing the operation"),
])
def test_bad_descriptions_are_one_line(old, new, message):
    with pytest.raises(KitError, match=message):
        openapi_diff.compare(old, new)


def test_refs_that_loop_or_lead_nowhere_are_refused():
    looping, broken, remote = tiny(), tiny(), tiny()
    looping["components"]["schemas"]["Thing"] = {"$ref": "#/components/schemas/Thing"}
    broken["components"]["schemas"].pop("Thing")
    post(remote)["responses"]["201"]["content"]["application/json"]["schema"] = {"$ref": "https://x/y.json"}
    with pytest.raises(KitError, match="loop"):
        openapi_diff.compare(looping, tiny())
    with pytest.raises(KitError, match="leads nowhere"):
        openapi_diff.compare(broken, tiny())
    with pytest.raises(KitError, match="Only local"):
        openapi_diff.compare(remote, tiny())
