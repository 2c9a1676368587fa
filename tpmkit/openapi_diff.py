"""API contract review: what changed between two OpenAPI descriptions, and which changes break clients.

An OpenAPI description (openapis.org) is the API's contract as data: its endpoints, the parameters and
JSON fields each one takes, and the status codes and fields it answers with. Comparing two versions
finds every change; a change is **breaking** when a client written against the old version can fail
against the new one without changing a line:

- removing (or renaming) an endpoint, a parameter or a field;
- adding a REQUIRED parameter or request field, or making an optional one required;
- narrowing what a request may send (an enum value removed, a lower maximum, a shorter max length,
  a type changed);
- changing a status code (the old one is removed), or requiring auth where none was needed.

Additive changes (a new endpoint, a new optional parameter or request field, a new response field)
are not breaking. Tools such as oasdiff make the same distinction.

    old, new = openapi_diff.tillpoint("2026-01-01"), openapi_diff.tillpoint("2026-07-01")
    diff = openapi_diff.compare(old, new)
    diff                 # a table: change, breaking?, why
    diff.breaking        # the ids of the breaking changes
"""

from __future__ import annotations

import copy
import html

import pandas as pd

from tpmkit.errors import KitError

__all__ = ["ApiDiff", "VERSIONS", "compare", "tillpoint"]

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
MAX_DEPTH = 10
VERSIONS = ("2026-01-01", "2026-07-01", "2027-01-01")  # 2027-01-01 is the API team's proposal


# --- comparing ---------------------------------------------------------------------------------------------


class ApiDiff:
    """Every change between two descriptions: `changes` (dicts with id, breaking, why), `ids`, `breaking`."""

    def __init__(self, changes: list[dict], old_version: str, new_version: str):
        self.changes = changes
        self.old_version, self.new_version = old_version, new_version

    @property
    def ids(self) -> list[str]:
        return [c["id"] for c in self.changes]

    @property
    def breaking(self) -> list[str]:
        return [c["id"] for c in self.changes if c["breaking"]]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"change": c["id"], "breaking": "BREAKING" if c["breaking"] else "no",
                              "why": c["why"]} for c in self.changes])

    def __len__(self) -> int:
        return len(self.changes)

    def __repr__(self) -> str:
        lines = [f"{len(self.changes)} changes from {self.old_version} to {self.new_version}, "
                 f"{len(self.breaking)} breaking:"]
        lines += [f"  {'BREAKING' if c['breaking'] else 'ok      '}  {c['id']}" for c in self.changes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for c in self.changes:
            mark = ('<b style="color:#b42318">BREAKING</b>' if c["breaking"]
                    else '<span style="color:#1a7f37">additive</span>')
            rows.append(f'<tr><td style="text-align:left"><code>{html.escape(c["id"])}</code></td><td>{mark}</td>'
                        f'<td style="text-align:left">{html.escape(c["why"])}</td></tr>')
        return (f"<p><b>{len(self.changes)} changes</b> from {html.escape(self.old_version)} to "
                f"{html.escape(self.new_version)}, <b>{len(self.breaking)} breaking</b></p>"
                "<table><tr><th>change</th><th>verdict</th><th>why</th></tr>" + "".join(rows) + "</table>")


def _check_description(doc, name: str) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise KitError(f"{name} must be an OpenAPI description: a dict with a 'paths' dict, such as "
                       "openapi_diff.tillpoint('2026-07-01').")


def compare(old, new) -> ApiDiff:
    """List every change from `old` to `new` (two OpenAPI descriptions as dicts), each breaking or not."""
    _check_description(old, "old")
    _check_description(new, "new")
    out: list[dict] = []
    old_ops, new_ops = _operations(old), _operations(new)
    for key in old_ops:
        if key not in new_ops:
            _add(out, key, "endpoint removed", True, "clients that call it get 404")
    for key in new_ops:
        if key not in old_ops:
            _add(out, key, "endpoint added", False, "new; no existing client calls it")
    for key in old_ops:
        if key in new_ops:
            _compare_operation(out, key, old, new, old_ops[key], new_ops[key])
    return ApiDiff(out, str(old.get("info", {}).get("version", "old")), str(new.get("info", {}).get("version", "new")))


def _add(out: list[dict], key: tuple[str, str], what: str, breaking: bool, why: str) -> None:
    change_id = f"{key[0]} {key[1]}: {what}"
    if all(c["id"] != change_id for c in out):
        out.append({"id": change_id, "breaking": breaking, "why": why})


def _operations(doc: dict) -> dict[tuple[str, str], dict]:
    ops = {}
    for path, item in doc["paths"].items():
        if not isinstance(item, dict):
            raise KitError(f"paths[{path!r}] must be a dict of operations (get, post, ...).")
        for method, op in item.items():
            if method in METHODS:
                if not isinstance(op, dict):
                    raise KitError(f"paths[{path!r}][{method!r}] must be a dict describing the operation.")
                ops[(method.upper(), str(path))] = op
    return ops


def _auth(doc: dict, op: dict) -> set[str]:
    security = op.get("security", doc.get("security", []))
    if not isinstance(security, list):
        return set()
    return {name for requirement in security if isinstance(requirement, dict) for name in requirement}


def _compare_operation(out, key, old_doc, new_doc, old, new) -> None:  # noqa: C901 - one branch per OpenAPI field compared
    old_auth, new_auth = _auth(old_doc, old), _auth(new_doc, new)
    if not old_auth and new_auth:
        _add(out, key, "auth required", True, "clients that call it without a key now get 401")
    elif old_auth and not new_auth:
        _add(out, key, "auth no longer required", False, "old clients still work (but check that this is safe)")
    elif old_auth != new_auth:
        _add(out, key, "auth scheme changed", True, "clients send the old kind of credentials")

    old_params, new_params = _parameters(old_doc, old), _parameters(new_doc, new)
    for pkey, param in old_params.items():
        label = f"{pkey[0]} parameter {pkey[1]}"
        if pkey not in new_params:
            _add(out, key, f"{label} removed", True, "clients that send it are refused, or it is silently ignored")
            continue
        other = new_params[pkey]
        if other.get("required") and not param.get("required"):
            _add(out, key, f"{label} made required", True, "clients that leave it out are refused")
        elif param.get("required") and not other.get("required"):
            _add(out, key, f"{label} made optional", False, "clients that send it still work")
        _compare_schema(out, key, label, _resolve(old_doc, param.get("schema", {})),
                        _resolve(new_doc, other.get("schema", {})), "request", old_doc, new_doc, 0)
    for pkey, param in new_params.items():
        if pkey not in old_params:
            label = f"{pkey[0]} parameter {pkey[1]}"
            if param.get("required"):
                _add(out, key, f"{label} added (required)", True, "every existing client leaves it out and is refused")
            else:
                _add(out, key, f"{label} added (optional)", False, "existing clients leave it out, which is allowed")

    old_body, new_body = _body(old_doc, old), _body(new_doc, new)
    if old_body is not None and new_body is not None:
        _compare_schema(out, key, "request", old_body, new_body, "request", old_doc, new_doc, 0)
    elif old_body is None and new_body is not None and new.get("requestBody", {}).get("required"):
        _add(out, key, "request body added (required)", True, "existing clients send no body")
    elif old_body is not None and new_body is None:
        _add(out, key, "request body removed", True, "clients that send a body may be refused")

    old_codes, new_codes = _responses(old), _responses(new)
    for code in old_codes:
        if code not in new_codes:
            _add(out, key, f"status {code} removed", True, "clients that check for this status code stop working")
    for code in new_codes:
        if code not in old_codes:
            _add(out, key, f"status {code} added", False, "a new status code on its own; see the removed one, if any")
    for code in old_codes:
        if code in new_codes and code.startswith("2"):
            old_schema = _response_schema(old_doc, old_codes[code])
            new_schema = _response_schema(new_doc, new_codes[code])
            if old_schema is not None and new_schema is not None:
                _compare_schema(out, key, "response", old_schema, new_schema, "response", old_doc, new_doc, 0)


def _parameters(doc: dict, op: dict) -> dict[tuple[str, str], dict]:
    params = {}
    for param in op.get("parameters", []) or []:
        param = _resolve(doc, param)
        if isinstance(param, dict) and "name" in param:
            params[(str(param.get("in", "query")), str(param["name"]))] = param
    return params


def _body(doc: dict, op: dict):
    body = _resolve(doc, op.get("requestBody"))
    if not isinstance(body, dict):
        return None
    media = body.get("content", {}).get("application/json", {})
    return _resolve(doc, media.get("schema")) if isinstance(media, dict) and "schema" in media else None


def _responses(op: dict) -> dict[str, dict]:
    responses = op.get("responses", {})
    return {str(code): value for code, value in responses.items()} if isinstance(responses, dict) else {}


def _response_schema(doc: dict, response):
    response = _resolve(doc, response)
    if not isinstance(response, dict):
        return None
    media = response.get("content", {}).get("application/json", {})
    return _resolve(doc, media.get("schema")) if isinstance(media, dict) and "schema" in media else None


def _resolve(doc: dict, node, depth: int = 0):
    """Follow local $refs (#/components/...), refusing loops and refs that lead nowhere."""
    while isinstance(node, dict) and "$ref" in node:
        if depth > MAX_DEPTH:
            raise KitError("The description's $refs go round in a loop; each $ref must lead to a schema.")
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise KitError(f"Only local $refs such as '#/components/schemas/Payment' are supported, not {ref!r}.")
        target = doc
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                raise KitError(f"The $ref {ref!r} leads nowhere in the description.")
            target = target[part]
        node, depth = target, depth + 1
    return node


def _types(schema) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {str(k) for k in kind}
    found = set()
    for option in schema.get("anyOf", []) or schema.get("oneOf", []) or []:
        found |= _types(option)
    return found


_LOWER_IS_NARROWER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_HIGHER_IS_NARROWER = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_WORDS = {"maximum": "maximum", "exclusiveMaximum": "maximum", "maxLength": "max length", "maxItems": "max items",
          "minimum": "minimum", "exclusiveMinimum": "minimum", "minLength": "min length", "minItems": "min items"}


def _num(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _compare_schema(out, key, label, old, new, direction, old_doc, new_doc, depth) -> None:  # noqa: C901 - one branch per OpenAPI field compared
    """Compare two schemas. `label` names the thing ("request", "response", "query parameter limit")."""
    if depth > MAX_DEPTH or not isinstance(old, dict) or not isinstance(new, dict):
        return
    request = direction == "request"
    old_types, new_types = _types(old), _types(new)
    if old_types and new_types and old_types != new_types:
        narrower = bool(old_types - new_types) if request else bool(new_types - old_types)
        why = ("clients send values the API no longer takes" if request
               else "clients meet a kind of value they were not written for")
        _add(out, key, f"{label} type changed from {'/'.join(sorted(old_types))} to {'/'.join(sorted(new_types))}",
             narrower, why if narrower else "every value clients used before is still fine")
    old_enum, new_enum = old.get("enum"), new.get("enum")
    if isinstance(old_enum, list) and isinstance(new_enum, list):
        for value in old_enum:
            if value not in new_enum:
                _add(out, key, f"{label} enum value {value} removed", request,
                     "clients that send it are refused" if request else "clients simply stop seeing it")
        for value in new_enum:
            if value not in old_enum:
                _add(out, key, f"{label} enum value {value} added", False,
                     "nothing clients sent before is refused" if request
                     else "usually safe, but a client that handles only the listed values may trip: announce it")
    if request:
        for name in _LOWER_IS_NARROWER + _HIGHER_IS_NARROWER:
            a, b = old.get(name), new.get(name)
            if a == b or (a is not None and not isinstance(a, (int, float))) or (
                    b is not None and not isinstance(b, (int, float))):
                continue
            word = _WORDS[name]
            if a is None:
                _add(out, key, f"{label} {word} added ({_num(b)})", True,
                     "values clients could send before are refused")
            elif b is None:
                _add(out, key, f"{label} {word} removed", False, "everything clients sent before still works")
            else:
                lowered = b < a
                narrower = lowered if name in _LOWER_IS_NARROWER else not lowered
                change = f"{label} {word} {'lowered' if lowered else 'raised'} from {_num(a)} to {_num(b)}"
                _add(out, key, change, narrower, "values clients could send before are refused" if narrower
                     else "everything clients sent before still works")
        if old.get("pattern") != new.get("pattern") and new.get("pattern") is not None:
            _add(out, key, f"{label} pattern changed", True, "values that matched the old pattern may be refused")
    if "items" in old and "items" in new:
        _compare_schema(out, key, f"{label}[]", _resolve(old_doc, old["items"]), _resolve(new_doc, new["items"]),
                        direction, old_doc, new_doc, depth + 1)
    old_props, new_props = old.get("properties"), new.get("properties")
    if not isinstance(old_props, dict) or not isinstance(new_props, dict):
        return
    old_required, new_required = set(old.get("required", []) or []), set(new.get("required", []) or [])
    stem = label if label in ("request", "response") else label.split(" field ", 1)[-1]
    side = "request" if request else "response"

    def name_of(prop: str) -> str:
        return f"{side} field {prop if stem in ('request', 'response') else stem + '.' + prop}"

    for prop, schema in old_props.items():
        label_p = name_of(prop)
        if prop not in new_props:
            _add(out, key, f"{label_p} removed", True,
                 "clients that send it are refused or ignored" if request else "clients that read it break")
            continue
        if request:
            if prop in new_required and prop not in old_required:
                _add(out, key, f"{label_p} made required", True, "clients that leave it out are refused")
            elif prop in old_required and prop not in new_required:
                _add(out, key, f"{label_p} made optional", False, "clients that send it still work")
        elif prop in old_required and prop not in new_required:
            _add(out, key, f"{label_p} made optional", True, "clients that expect it may not find it")
        _compare_schema(out, key, label_p, _resolve(old_doc, schema), _resolve(new_doc, new_props[prop]),
                        direction, old_doc, new_doc, depth + 1)
    for prop in new_props:
        if prop not in old_props:
            label_p = name_of(prop)
            if not request:
                _add(out, key, f"{label_p} added", False, "clients ignore fields they do not know")
            elif prop in new_required:
                _add(out, key, f"{label_p} added (required)", True,
                     "every existing client leaves it out and is refused")
            else:
                _add(out, key, f"{label_p} added (optional)", False, "existing clients leave it out, which is allowed")


# --- Tillpoint's API descriptions ---------------------------------------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _param(name: str, where: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema}


_ERROR = {"400": _json(_ref("Error"), "Bad request"), "401": _json(_ref("Error"), "No or unknown API key"),
          "404": _json(_ref("Error"), "Not found"), "422": _json(_ref("Error"), "Invalid parameter"),
          "429": _json(_ref("Error"), "Rate limited")}


def _errors(*codes: str) -> dict:
    return {code: _ERROR[code] for code in codes}


def _base() -> dict:
    """Tillpoint's API as served by tpmkit.api (version 2026-07-01), with the response fields written out."""
    schemas = {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["type", "code", "message"],
            "properties": {"type": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}},
        "Customer": {"type": "object", "required": ["id", "object", "business_name", "city", "plan", "created"],
                     "properties": {"id": {"type": "string", "pattern": r"^cus_\d{4}$"},
                                    "object": {"type": "string"}, "business_name": {"type": "string"},
                                    "city": {"type": "string"}, "plan": {"type": "string", "enum": ["starter", "pro"]},
                                    "created": {"type": "string", "format": "date-time"}}},
        "CustomerList": {"type": "object", "required": ["object", "data", "has_more"],
                         "properties": {"object": {"type": "string"},
                                        "data": {"type": "array", "items": _ref("Customer")},
                                        "has_more": {"type": "boolean"}}},
        "Payment": {"type": "object",
                    "required": ["id", "object", "amount", "currency", "customer", "status", "order", "refunded",
                                 "created"],
                    "properties": {"id": {"type": "string"}, "object": {"type": "string"},
                                   "amount": {"type": "integer", "description": "pence"},
                                   "currency": {"type": "string"}, "customer": {"type": "string"},
                                   "status": {"type": "string", "enum": ["succeeded", "failed"]},
                                   "order": {"type": ["string", "null"]}, "refunded": {"type": "integer"},
                                   "created": {"type": "string", "format": "date-time"}}},
        "PaymentList": {"type": "object", "required": ["object", "data", "page", "per_page"],
                        "properties": {"object": {"type": "string"},
                                       "data": {"type": "array", "items": _ref("Payment")},
                                       "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
        "PaymentIn": {"type": "object", "required": ["amount", "customer"],
                      "properties": {"amount": {"type": "integer", "minimum": 50, "maximum": 1_000_000},
                                     "customer": {"type": "string", "pattern": r"^cus_\d{4}$"},
                                     "order": {"type": ["string", "null"], "maxLength": 64}}},
        "Refund": {"type": "object", "required": ["id", "object", "payment", "amount", "created"],
                   "properties": {"id": {"type": "string"}, "object": {"type": "string"},
                                  "payment": {"type": "string"}, "amount": {"type": "integer"},
                                  "created": {"type": "string", "format": "date-time"}}},
        "RefundIn": {"type": "object", "required": ["payment", "amount"],
                     "properties": {"payment": {"type": "string", "pattern": r"^pay_\d{5}$"},
                                    "amount": {"type": "integer", "minimum": 1, "maximum": 1_000_000}}},
        "WebhookEndpointIn": {"type": "object", "required": ["url", "events"],
                              "properties": {"url": {"type": "string", "maxLength": 200},
                                             "events": {"type": "array", "minItems": 1, "items": {
                                                 "type": "string", "enum": ["payment.succeeded", "refund.created"]}}}},
        "WebhookEndpoint": {"type": "object", "required": ["id", "object", "url", "events", "secret"],
                            "properties": {"id": {"type": "string"}, "object": {"type": "string"},
                                           "url": {"type": "string"},
                                           "events": {"type": "array", "items": {"type": "string"}},
                                           "secret": {"type": "string"}}},
        "MessageIn": {"type": "object", "required": ["customer", "channel", "text"],
                      "properties": {"customer": {"type": "string", "pattern": r"^cus_\d{4}$"},
                                     "channel": {"type": "string", "enum": ["sms", "email"]},
                                     "text": {"type": "string", "minLength": 1, "maxLength": 1000}}},
    }
    idempotency = _param("Idempotency-Key", "header", {"type": "string", "maxLength": 255})
    version = _param("Tillpoint-Version", "header", {"type": "string", "enum": ["2026-01-01", "2026-07-01"]})
    body = {"required": True, "content": {"application/json": {"schema": None}}}

    def with_body(name: str) -> dict:
        out = copy.deepcopy(body)
        out["content"]["application/json"]["schema"] = _ref(name)
        return out

    paths = {
        "/health": {"get": {"summary": "Is the service up?", "security": [],
                            "responses": {"200": _json({"type": "object",
                                                        "properties": {"status": {"type": "string"}}})}}},
        "/v1/customers": {"get": {
            "summary": "List customers (cursor pagination)",
            "parameters": [version, _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100}),
                           _param("starting_after", "query", {"type": "string", "pattern": r"^cus_\d{4}$"})],
            "responses": {"200": _json(_ref("CustomerList")), **_errors("400", "401", "404")}}},
        "/v1/customers/{customer_id}": {"get": {
            "summary": "Get a customer",
            "parameters": [version, _param("customer_id", "path", {"type": "string"}, required=True)],
            "responses": {"200": _json(_ref("Customer")), **_errors("401", "404")}}},
        "/v1/payments": {
            "get": {"summary": "List payments, newest first (page numbers, Link header)",
                    "parameters": [_param("page", "query", {"type": "integer", "minimum": 1, "maximum": 100_000}),
                                   _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 100})],
                    "responses": {"200": _json(_ref("PaymentList")), **_errors("400", "401")}},
            "post": {"summary": "Take a card payment", "parameters": [idempotency],
                     "requestBody": with_body("PaymentIn"),
                     "responses": {"201": _json(_ref("Payment"), "Created"), **_errors("400", "401", "404", "422")}}},
        "/v1/payments/{payment_id}": {"get": {
            "summary": "Get a payment", "parameters": [_param("payment_id", "path", {"type": "string"}, required=True)],
            "responses": {"200": _json(_ref("Payment")), **_errors("401", "404")}}},
        "/v1/refunds": {"post": {
            "summary": "Refund all or part of a payment", "parameters": [idempotency],
            "requestBody": with_body("RefundIn"),
            "responses": {"201": _json(_ref("Refund"), "Created"), **_errors("400", "401", "404", "422")}}},
        "/v1/reports/settlements/{month}": {"get": {
            "summary": "A month's settlement report (3 requests per 2 seconds)",
            "parameters": [_param("month", "path", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, required=True)],
            "responses": {"200": _json({"type": "object", "properties": {
                "month": {"type": "string"}, "gross": {"type": "integer"}, "fees": {"type": "integer"},
                "net": {"type": "integer"}}}), **_errors("400", "401", "404", "429")}}},
        "/v1/webhook_endpoints": {"post": {
            "summary": "Send events to your receiver", "requestBody": with_body("WebhookEndpointIn"),
            "responses": {"201": _json(_ref("WebhookEndpoint"), "Created"), **_errors("400", "401", "422")}}},
        "/v1/events": {"get": {
            "summary": "The newest events",
            "parameters": [_param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100})],
            "responses": {"200": _json({"type": "object", "properties": {
                "object": {"type": "string"}, "data": {"type": "array", "items": {"type": "object"}},
                "has_more": {"type": "boolean"}}}), **_errors("400", "401")}}},
        "/v1/messages": {"post": {
            "summary": "Send a shop a text or an e-mail (queued)", "requestBody": with_body("MessageIn"),
            "responses": {"202": _json({"type": "object", "properties": {
                "object": {"type": "string"}, "status": {"type": "string"}, "customer": {"type": "string"},
                "channel": {"type": "string"}}}, "Accepted"), **_errors("400", "401", "404", "422")}}},
    }
    return {"openapi": "3.1.0",
            "info": {"title": "Tillpoint API", "version": "2026-07-01",
                     "description": "Payments and customer messaging for small shops. Amounts are in pence."},
            "security": [{"apiKey": []}],
            "components": {"securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
            "paths": paths}


def _version_2026_01(doc: dict) -> dict:
    """Before 2026-07-01 a customer's name was `name`; 2026-07-01 renamed it `business_name`."""
    customer = doc["components"]["schemas"]["Customer"]
    props = customer["properties"]
    customer["properties"] = {("name" if k == "business_name" else k): v for k, v in props.items()}
    customer["required"] = ["name" if f == "business_name" else f for f in customer["required"]]
    doc["info"]["version"] = "2026-01-01"
    return doc


def _version_2027_01(doc: dict) -> dict:
    """The API team's proposal for 2027-01-01 (see the exercise's changelog)."""
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    # euros: every payment names its currency (required), and may carry a free-text note
    schemas["PaymentIn"]["properties"]["currency"] = {"type": "string", "enum": ["gbp", "eur"]}
    schemas["PaymentIn"]["required"].append("currency")
    schemas["PaymentIn"]["properties"]["metadata"] = {"type": "object"}
    schemas["Payment"]["properties"]["metadata"] = {"type": "object"}
    # customers: `city` becomes a structured `address`
    customer = schemas["Customer"]
    customer["properties"].pop("city")
    customer["properties"]["address"] = {"type": "object", "properties": {
        "line1": {"type": "string"}, "city": {"type": "string"}, "postcode": {"type": "string"}}}
    customer["required"] = [f if f != "city" else "address" for f in customer["required"]]
    # smaller pages of payments
    for param in paths["/v1/payments"]["get"]["parameters"]:
        if param["name"] == "per_page":
            param["schema"]["maximum"] = 50
    # refunds answer 200 instead of 201, may carry a reason, and can be listed
    refunds = paths["/v1/refunds"]
    refunds["post"]["responses"]["200"] = refunds["post"]["responses"].pop("201")
    refunds["post"]["responses"]["200"]["description"] = "OK"
    schemas["RefundIn"]["properties"]["reason"] = {"type": "string", "maxLength": 200}
    refunds["get"] = {"summary": "List refunds", "responses": {"200": _json({"type": "object", "properties": {
        "object": {"type": "string"}, "data": {"type": "array", "items": _ref("Refund")}}}), **_errors("401")}}
    # messages move to /v2
    paths["/v2/messages"] = paths.pop("/v1/messages")
    # webhooks: refund.created is renamed refund.succeeded
    events = schemas["WebhookEndpointIn"]["properties"]["events"]["items"]
    events["enum"] = ["payment.succeeded", "refund.succeeded"]
    # /health needs a key, like everything else
    paths["/health"]["get"].pop("security")
    doc["info"]["version"] = "2027-01-01"
    return doc


def tillpoint(version: str = "2026-07-01") -> dict:
    """Tillpoint's API description (OpenAPI 3.1, as a dict) for a version: 2026-01-01, 2026-07-01 (what
    tpmkit.api serves now) or 2027-01-01 (the API team's proposal). A fresh copy each call."""
    if version not in VERSIONS:
        raise KitError(f"version is one of {', '.join(VERSIONS)}, not {version!r}.")
    doc = _base()
    if version == "2026-01-01":
        return _version_2026_01(doc)
    if version == "2027-01-01":
        return _version_2027_01(doc)
    return doc
