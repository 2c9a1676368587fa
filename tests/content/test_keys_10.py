"""Exercise 10-requirements: every hidden key recomputed here with independent reference code: the judgement
keys from tagged reasons (INVEST's questions, the layers a slice cuts through, ISO/IEC 25010:2023's
sub-characteristics), the NFR facts from the interview notes' numbers, the planted refund bug by raw HTTP
against in-process builds (not tpmkit.acceptance), and the undeclared breaking changes by a small diff of
the two descriptions written here (not tpmkit.openapi_diff) filtered by the changelog in the prompt."""

from __future__ import annotations

import re
import warnings

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import api, openapi_diff, requirements

AID = "10-requirements"


def cell(grade_id: str) -> str:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    return next(c.source for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)


# --- Question 1: the INVEST question each story fails -----------------------------------------------------

QUESTION_OF = {  # Wake's six questions, one word each
    "no test says it is done": "T", "nobody but the team notices it": "V", "bigger than a sprint": "S",
    "fixes the design": "N", "waits for and ships with another story": "I", "nobody can size it": "E",
    "fails none": "none",
}
STORIES = {  # story -> (words in the prompt that show it, the question it fails)
    "S1": ("refunds handled properly, so that my customers are happy", "no test says it is done"),
    "S2": ("As a developer, I want a `refunds` table", "nobody but the team notices it"),
    "S3": ("estimates three months", "bigger than a sprint"),
    "S4": ("red 44-pixel Refund button that opens a two-step React modal", "fixes the design"),
    "S5": ("must ship in the same release", "waits for and ships with another story"),
    "S6": ("nobody on the team has seen it", "nobody can size it"),
    "S7": ("Done when: a refund up to what is left goes through", "fails none"),
}

# --- Question 2: the layers each proposed story delivers, and whether a shop can use it alone --------------

ALL_LAYERS = {"till screen", "refund rules", "API", "database"}
SLICES = {
    "V1": (ALL_LAYERS, True), "V2": ({"database"}, False), "V3": (ALL_LAYERS, True),
    "V4": ({"API", "refund rules", "database"}, False), "V5": ({"till screen"}, False),
    "V6": (ALL_LAYERS, True), "V7": (set(), False),
}

# --- Question 3: what each stakeholder said (statistic, threshold, window), as numbers ---------------------

INTERVIEWS = {
    "checkout": {"said": ["95 out of every 100", "under 400 ms", "rolling 28 days"],
                 "percentile": 95, "ms": 400, "window_days": 28},
    "refund": {"said": ["at least 99.9%", "rolling 30-day window"], "success_pct": 99.9, "window_days": 30},
    "report": {"said": ["at least 20 report requests per second", "sustained for 2 hours"],
               "per_second": 20, "window_hours": 2},
}


def nfr_facts() -> dict[str, dict]:
    """Each requirement in measurable()'s standard form (`target`), one graded part each."""
    c, r, p = INTERVIEWS["checkout"], INTERVIEWS["refund"], INTERVIEWS["report"]
    return {
        "q3-checkout": {"metric": f"p{c['percentile']} latency", "threshold": f"at most {c['ms']} ms",
                        "window": f"{c['window_days']} days"},
        "q3-refund": {"metric": "availability", "threshold": f"at least {r['success_pct']}%",
                      "window": f"{r['window_days']} days"},
        "q3-report": {"metric": "throughput", "threshold": f"at least {p['per_second']} per second",
                      "window": f"{p['window_hours']} hours"},
    }


# --- Question 4: ISO/IEC 25010:2023 ----------------------------------------------------------------------

ISO_2023 = {  # sub-characteristic -> characteristic (2023 names)
    "time behaviour": "performance efficiency", "availability": "reliability",
    "learnability": "interaction capability", "authenticity": "security", "installability": "flexibility",
    "hazard warning": "safety",
}
REQUIREMENTS = {"N1": "time behaviour", "N2": "availability", "N3": "learnability", "N4": "authenticity",
                "N5": "installability", "N6": "hazard warning"}


# --- Question 6: a small reference diff of the two descriptions ---------------------------------------------


def ops(doc: dict) -> dict[tuple[str, str], dict]:
    return {(m.upper(), p): op for p, item in doc["paths"].items() for m, op in item.items()}


def follow(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_schema(doc: dict, op: dict) -> dict | None:
    body = op.get("requestBody")
    return follow(doc, body["content"]["application/json"]["schema"]) if body else None


def answer_schema(doc: dict, op: dict, code: str) -> dict:
    return follow(doc, op["responses"][code]["content"]["application/json"]["schema"])


def breaking_changes(old: dict, new: dict) -> set[str]:
    out = set()
    old_ops, new_ops = ops(old), ops(new)
    for (method, path), op in old_ops.items():
        if (method, path) not in new_ops:
            out.add(f"{method} {path}: endpoint removed")
            continue
        other = new_ops[(method, path)]
        where = f"{method} {path}"
        if op.get("security") == [] and other.get("security") != []:
            out.add(f"{where}: auth required")
        limits = {p["name"]: p["schema"].get("maximum") for p in op.get("parameters", []) if "schema" in p}
        for p in other.get("parameters", []):
            before, after = limits.get(p["name"]), p.get("schema", {}).get("maximum")
            if before is not None and after is not None and after < before:
                out.add(f"{where}: {p['in']} parameter {p['name']} maximum lowered from {before} to {after}")
        for code in op["responses"]:
            if code not in other["responses"]:
                out.add(f"{where}: status {code} removed")
        a, b = body_schema(old, op), body_schema(new, other)
        if a and b:
            for name in set(b.get("required", [])) - set(a["properties"]):
                out.add(f"{where}: request field {name} added (required)")
            for name, prop in a["properties"].items():
                items = prop.get("items", {})
                for value in items.get("enum", []):
                    if value not in b["properties"][name]["items"].get("enum", [value]):
                        out.add(f"{where}: request field {name}[] enum value {value} removed")
        for code in op["responses"]:
            if code.startswith("2") and code in other["responses"]:
                a, b = answer_schema(old, op, code), answer_schema(new, other, code)
                pairs = [("", a, b)]
                if "data" in a.get("properties", {}):
                    pairs.append(("data[].", follow(old, a["properties"]["data"].get("items", {})),
                                  follow(new, b["properties"]["data"].get("items", {}))))
                for prefix, x, y in pairs:
                    for name in x.get("properties", {}):
                        if name not in y.get("properties", {}):
                            out.add(f"{where}: response field {prefix}{name} removed")
    return out


SUBJECT = {  # a word of each breaking change -> the changelog item it belongs to
    "messages": 6, "health": 8, "city": 3, "per_page": 4, "currency": 1, "refunds: status": 5,
    "refund.created": 7,
}


def changelog() -> dict[int, str]:
    return {int(n): line for n, line in re.findall(r"^(\d)\. (.+)$", cell("q6-prompt"), re.MULTILINE)}


def undeclared() -> list[str]:
    log = changelog()
    out = []
    for change in breaking_changes(openapi_diff.tillpoint("2026-07-01"), openapi_diff.tillpoint("2027-01-01")):
        item = next(n for word, n in SUBJECT.items() if word in change)
        if "BREAKING" not in log[item]:
            out.append(change)
    return sorted(out)


def expected_keys() -> dict[str, object]:
    return {
        "q1-invest": {story: QUESTION_OF[reason] for story, (_, reason) in STORIES.items()},
        "q2-vertical": sorted(v for v, (layers, usable) in SLICES.items() if layers == ALL_LAYERS and usable),
        **nfr_facts(),
        "q4-quality": {n: ISO_2023[sub] for n, sub in REQUIREMENTS.items()},
        "q5-scenarios": True,
        "q6-undeclared": undeclared(),
    }


def test_10_keys_are_recomputed():
    # q2 and q6 are graded with same_items (any order); their keys are written sorted, as computed here.
    assert_keys(AID, expected_keys())


def test_the_prompts_show_what_the_keys_rest_on():
    stories = cell("q1-prompt")
    for story, (words, _) in STORIES.items():
        assert f"| {story} |" in stories and words in stories, story
    slices = cell("q2-prompt")
    assert all(f"| {v} |" in slices for v in SLICES)
    notes = cell("q3-prompt")
    for interview in INTERVIEWS.values():
        assert all(words in notes for words in interview["said"]), interview["said"]
    quality = cell("q4-prompt")
    assert all(f"| {n} |" in quality for n in REQUIREMENTS)


def test_10_keys_match_the_curriculum_brief():
    # ISO/IEC 25010:2023: nine characteristics; Safety new; Usability -> Interaction capability; Portability ->
    # Flexibility. The key uses only 2023 names.
    assert set(ISO_2023.values()) <= set(requirements.ISO_25010) and len(requirements.ISO_25010) == 9
    assert not {"usability", "portability"} & set(expected_keys()["q4-quality"].values())
    # The brief's measurable NFR: metric + threshold + window.
    brief = requirements.measurable("p95 latency of POST /v1/payments below 300 ms over any 28-day window")
    assert brief.facts == {"metric": "p95 latency", "threshold": "at most 300 ms", "window": "28 days"}
    # INVEST has six letters, and every story in the key gets one of them or "none".
    assert set(expected_keys()["q1-invest"].values()) == set("INVEST") | {"none"}


def test_the_solution_scenarios_pin_the_rule_the_bug_breaks():
    """By raw HTTP against in-process builds: refunding a declined payment is 422 on a correct build and 201
    with the planted bug, and a normal full refund is 201 on both; the solution's scenarios say exactly that."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    auth = {"Authorization": f"Bearer {api.SECRET_KEY}"}
    outcomes = {}
    for bugs in (frozenset(), frozenset({"refund_failed_payment"})):
        with TestClient(api.create_app(bugs=bugs)) as http:
            rows = http.get("/v1/payments", params={"per_page": 100}, headers=auth).json()["data"]
            declined = next(p for p in rows if p["status"] == "failed")
            refused = http.post("/v1/refunds", json={"payment": declined["id"], "amount": declined["amount"]},
                                headers=auth)
            paid = http.post("/v1/payments", json={"amount": 1800, "customer": "cus_0001"}, headers=auth).json()
            normal = http.post("/v1/refunds", json={"payment": paid["id"], "amount": 1800}, headers=auth)
            outcomes[bool(bugs)] = (refused.status_code, refused.json().get("error", {}).get("code"),
                                    normal.status_code)
    assert outcomes == {False: (422, "payment_not_succeeded", 201), True: (201, None, 201)}
    text = notebooks.solution_text(cell("q5-answer"))
    assert re.search(r"Given a failed payment\s+When I refund all of it\s+Then the response status is 422", text)
    assert re.search(r"Given a succeeded payment of 1800 pence\s+When I refund all of it\s+"
                     r"Then the response status is 201", text)


def test_q6_reference_diff_agrees_on_all_breaking_changes():
    # Eight planted breaking changes: three declared in the changelog (items 3, 6, 7, with two ids for item 3)
    # and four undeclared (items 1, 4, 5, 8).
    found = breaking_changes(openapi_diff.tillpoint("2026-07-01"), openapi_diff.tillpoint("2027-01-01"))
    assert len(found) == 8
    assert {n for n, line in changelog().items() if "BREAKING" in line} == {3, 6, 7}
    assert len(undeclared()) == 4


@pytest.mark.parametrize("gid", ["q2-vertical", "q6-undeclared"])
def test_list_keys_have_no_duplicates(gid):
    key = hidden_keys(AID)[gid]
    assert len(key) == len(set(key))
