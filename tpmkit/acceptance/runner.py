"""Running scenarios: `run` against a running API over real HTTP, `catches` against in-process builds.

Each scenario gets a fresh World; its steps run in order until one fails, and the rest are skipped. A
scenario with a step the library does not know runs none of its steps. One deadline covers a whole feature
(for `catches`, both builds together), so untrusted text cannot keep the grader busy.
"""

from __future__ import annotations

import re
import time
import warnings
from urllib.parse import urlsplit

import httpx

from tpmkit.acceptance import limits
from tpmkit.acceptance.gherkin import Scenario, parse
from tpmkit.acceptance.matching import match, nearest, undefined_steps
from tpmkit.acceptance.report import Report
from tpmkit.acceptance.world import SECRET_KEY, OutOfTime, StepFailed, World
from tpmkit.errors import KitError


def run_scenario(scenario: Scenario, http, key: str, deadline: float) -> dict:
    """One scenario's result as plain data (the shape Report documents), with `http` a client for the API."""
    world = World(http, key, deadline)
    matched = [match(step) for step in scenario.steps]
    rows, status, timed_out = [], "passed", False
    if any(d is None for d, _ in matched):
        status = "undefined"
    for step, (definition, groups) in zip(scenario.steps, matched, strict=True):
        row = {"keyword": step.keyword, "kind": step.kind, "text": step.text, "line": step.line,
               "status": "skipped", "message": ""}
        if definition is None:
            row["nearest"] = nearest(step)
            row.update(status="undefined", message=f"not a step the kit knows; nearest: {row['nearest']}")
        elif status == "passed":
            try:
                definition.run(world, *groups)
                row["status"] = "passed"
            except StepFailed as exc:
                row.update(status="failed", message=str(exc))
                status, timed_out = "failed", isinstance(exc, OutOfTime)
        rows.append(row)
    failing = next((r for r in rows if r["status"] in ("failed", "undefined")), None)
    return {"name": scenario.name, "line": scenario.line, "status": status, "steps": rows,
            "failing_step": f"{failing['keyword']} {failing['text']}" if failing else "",
            "why": failing["message"] if failing else "", "timed_out": timed_out}


def _local_api_base_url(url) -> str:
    """`url` reduced to http://host:port, refused unless it is the kit's API on this machine: a run sends
    requests, and learner text must never point them anywhere else."""
    if not isinstance(url, str):
        raise KitError("url is the API's address as text, such as shop.url after shop = api.start().")
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None \
            or parts.path not in ("", "/") or parts.query:
        raise KitError(f"url must be the kit's local API, such as http://127.0.0.1:8000 (shop.url), not {url!r}.")
    return f"http://{parts.hostname}:{parts.port}"


def _checked_key(key) -> str:
    # The key goes into a header: only the characters the API's keys use.
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_\-]{1,100}", key):
        raise KitError("key is an API key as text, such as shop.key.")
    return key


def run(feature_text, *, url, key: str = SECRET_KEY) -> Report:
    """Run every scenario against a running Tillpoint API (real HTTP) and report what passed and why not."""
    scenarios = parse(feature_text)
    base, key = _local_api_base_url(url), _checked_key(key)
    deadline = time.monotonic() + limits.TIME_LIMIT
    results = []
    # trust_env=False: no proxy settings from the environment between the kit and its own local API.
    with httpx.Client(base_url=base, timeout=limits.REQUEST_TIMEOUT, trust_env=False) as http:
        for scenario in scenarios:
            results.append(run_scenario(scenario, http, key, deadline))
    return Report(results, base)


def _run_in_process(scenarios: list[Scenario], bugs: frozenset, deadline: float) -> list[dict]:
    """Each scenario on its own new app built with `bugs` (no port, no network), so no scenario sees another's
    refunds."""
    from tpmkit.api import SECRET_KEY as BUILD_KEY  # imported here: lint and parse need no server code
    from tpmkit.api import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient warns about its httpx dependency on import
        from fastapi.testclient import TestClient

    results = []
    for scenario in scenarios:
        with TestClient(create_app(bugs=bugs), raise_server_exceptions=False) as http:
            results.append(run_scenario(scenario, http, BUILD_KEY, deadline))
    return results


def catches(feature_text, bug: str = "refund_over_amount") -> dict:
    """Would these scenarios catch a planted bug? Runs them on a correct build and on one with `bug`.

    Each scenario runs on its own fresh copy of the API, in this process. Returns plain data:
    scenarios, pass_on_correct, fail_on_buggy, undefined_steps and catches_bug (True when every
    scenario passes on the correct build, at least one fails on the buggy build, and every step is known).
    """
    from tpmkit.api import KNOWN_BUGS

    if not isinstance(bug, str) or bug not in KNOWN_BUGS:
        raise KitError(f"bug is one of the planted bugs ({', '.join(sorted(KNOWN_BUGS))}), not {bug!r}.")
    scenarios = parse(feature_text)
    undefined = undefined_steps(scenarios)
    deadline = time.monotonic() + limits.TIME_LIMIT
    correct = _run_in_process(scenarios, frozenset(), deadline)
    buggy = _run_in_process(scenarios, frozenset({bug}), deadline)
    if any(s["timed_out"] for s in correct + buggy):  # never count a scenario cut short as catching the bug
        raise KitError(f"The scenarios took longer than {limits.TIME_LIMIT:g} s to run; keep to the few that "
                       "matter.")
    result = {
        "scenarios": len(scenarios),
        "pass_on_correct": sum(s["status"] == "passed" for s in correct),
        "fail_on_buggy": sum(s["status"] == "failed" for s in buggy),
        "undefined_steps": undefined,
    }
    result["catches_bug"] = (not undefined and result["pass_on_correct"] == result["scenarios"]
                             and result["fail_on_buggy"] >= 1)
    return result
