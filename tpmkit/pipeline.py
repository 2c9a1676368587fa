"""A small, deterministic CI/CD pipeline to run from a notebook: build, test, security scan, deploy to
staging, canary, production.

`run()` prints a stage-by-stage log and returns plain data (a dict) to inspect. A failing test or a
security finding stops the change before anything is deployed. The canary sends a small share of real
traffic to the new version and compares its error rate with the baseline (the rest of the traffic, on
the old version) over the same minutes: if the canary's rate is more than `threshold_pp` percentage
points above the baseline's, the change is rolled back; otherwise it is promoted to production.

Canarying as a partial, time-limited deployment judged against a control population: Google SRE
Workbook, ch. 16 "Canarying Releases". The traffic is simulated from a seed, so the same call gives
the same log on every machine.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from tpmkit.errors import KitError

__all__ = ["STAGES", "canary_chart", "canary_decision", "pipeline_diagram", "run"]

STAGES = ("build", "test", "security scan", "deploy to staging", "canary", "production")
_COLOURS = {"passed": "#1b9e77", "failed": "#d62728", "rolled back": "#d95f02", "skipped": "#bdbdbd"}


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise KitError(f"{name} must be a whole number, 0 or more, not {value!r}.")
    return int(value)


def _rate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise KitError(f"{name} must be a number, not {value!r}.")
    if not 0 <= value < 1:
        hint = f" (for {value:g}% write {value / 100:g})" if 1 <= value <= 100 else ""
        raise KitError(f"{name} is a fraction between 0 and 1, such as 0.004 for 0.4%{hint}.")
    return float(value)


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value) or value <= 0:
        raise KitError(f"{name} must be a number greater than 0, not {value!r}.")
    return float(value)


def canary_decision(canary_requests: int, canary_errors: int, baseline_requests: int, baseline_errors: int,
                    *, threshold_pp: float = 0.5) -> str:
    """'roll back' if the canary's error RATE is more than threshold_pp percentage points above the
    baseline's over the same period, else 'promote'. Rates, not counts: the canary sees a small share
    of the traffic, so it always has fewer errors."""
    for value, name in ((canary_requests, "canary_requests"), (baseline_requests, "baseline_requests")):
        if _count(value, name) == 0:
            raise KitError(f"{name} is 0: an error rate needs at least one request.")
    if _count(canary_errors, "canary_errors") > canary_requests:
        raise KitError("canary_errors is larger than canary_requests: errors are a part of the requests.")
    if _count(baseline_errors, "baseline_errors") > baseline_requests:
        raise KitError("baseline_errors is larger than baseline_requests: errors are a part of the requests.")
    gap_pp = 100 * (canary_errors / canary_requests - baseline_errors / baseline_requests)
    return "roll back" if gap_pp > _positive(threshold_pp, "threshold_pp") else "promote"


def run(change: str = "checkout: new receipt layout", *, failing_tests: int = 0, critical_vulnerabilities: int = 0,
        secrets_in_code: int = 0, canary_error_rate: float = 0.004, baseline_error_rate: float = 0.004,
        threshold_pp: float = 0.5, canary_share: float = 0.05, requests_per_minute: int = 2_000,
        canary_minutes: int = 30, check_every: int = 5, min_canary_requests: int = 1_000, seed: int = 7,
        quiet: bool = False) -> dict:
    """Run one change through the pipeline, print the log (unless quiet) and return what happened.

    - failing_tests: how many automated tests fail (any failure blocks the change);
    - critical_vulnerabilities, secrets_in_code: findings of the security scan (any blocks the change);
    - canary_error_rate, baseline_error_rate: the true error rates of the new and the old version
      (fractions: 0.004 is 0.4%); the simulation draws the actual errors from them;
    - threshold_pp: roll back when the canary's measured rate is more than this many percentage
      points above the baseline's;
    - canary_share: the share of traffic the canary gets (0.05 is 5%) for canary_minutes minutes,
      judged every check_every minutes once it has served min_canary_requests requests.
    """
    if not isinstance(change, str) or not change.strip():
        raise KitError("change must be a short text naming the change, such as 'checkout: new receipt layout'.")
    failing_tests = _count(failing_tests, "failing_tests")
    critical_vulnerabilities = _count(critical_vulnerabilities, "critical_vulnerabilities")
    secrets_in_code = _count(secrets_in_code, "secrets_in_code")
    canary_rate, baseline_rate = _rate(canary_error_rate, "canary_error_rate"), _rate(baseline_error_rate,
                                                                                    "baseline_error_rate")
    threshold_pp = _positive(threshold_pp, "threshold_pp")
    share = _rate(canary_share, "canary_share")
    if share == 0:
        raise KitError("canary_share must be above 0: a canary needs some traffic (0.05 is 5%).")
    per_minute = _count(requests_per_minute, "requests_per_minute")
    minutes, every = _count(canary_minutes, "canary_minutes"), _count(check_every, "check_every")
    if per_minute == 0 or minutes == 0 or every == 0:
        raise KitError("requests_per_minute, canary_minutes and check_every must all be above 0.")
    min_requests = _count(min_canary_requests, "min_canary_requests")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise KitError(f"seed must be a whole number, 0 or more, not {seed!r}.")

    log = [f'Pipeline run for "{change}"']
    stages: list[dict] = []

    def stage(name: str, status: str, detail: str) -> None:
        stages.append({"stage": name, "status": status, "detail": detail})
        mark = status.upper() if status in ("failed", "rolled back") else status
        log.append(f"[{len(stages)}/{len(STAGES)}] {name:<18} {mark:<12} {detail}".rstrip())

    def skip_rest() -> None:
        for name in STAGES[len(stages):]:
            stage(name, "skipped", "")

    result = {"change": change, "decision": "blocked", "blocked_at": None, "in_production": False,
              "stages": stages, "canary": None}
    stage("build", "passed", f"artefact build-{seed:04d} built once; the same artefact goes to every environment")
    if failing_tests:
        stage("test", "failed", f"{failing_tests} failing test{'s' * (failing_tests > 1)}: "
                                "the change stops here and nothing is deployed")
        result["blocked_at"] = "test"
    else:
        stage("test", "passed", "all automated tests pass")
    if result["blocked_at"] is None:
        findings = []
        if critical_vulnerabilities:
            plural = "ies" if critical_vulnerabilities > 1 else "y"
            findings.append(f"{critical_vulnerabilities} critical vulnerabilit{plural} in dependencies")
        if secrets_in_code:
            findings.append(f"{secrets_in_code} secret{'s' * (secrets_in_code > 1)} committed in the code")
        if findings:
            stage("security scan", "failed", " and ".join(findings) + ": blocked until fixed")
            result["blocked_at"] = "security scan"
        else:
            stage("security scan", "passed", "no critical vulnerabilities, no secrets in the code")
    if result["blocked_at"] is not None:
        skip_rest()
        log.append(f"Decision: BLOCKED at {result['blocked_at']}. Production still runs the old version.")
        return _finish(result, log, quiet)

    stage("deploy to staging", "passed", "deployed to staging; smoke tests pass")
    canary = _simulate_canary(canary_rate, baseline_rate, threshold_pp, share, per_minute, minutes, every,
                              min_requests, seed)
    result["canary"] = canary
    log.extend(canary.pop("log"))
    at = canary["decided_at_minute"]
    if canary["decision"] == "roll back":
        stage("canary", "rolled back", f"minute {at}: canary {canary['canary_error_rate_pct'][at - 1]:.2f}% vs "
                                       f"baseline {canary['baseline_error_rate_pct'][at - 1]:.2f}%, over the "
                                       f"+{threshold_pp:g}-point limit: traffic moved back to the old version")
        stage("production", "skipped", "")
        result["decision"] = "roll back"
        log.append("Decision: ROLL BACK. The new version served only the canary's share, "
                   f"{share:.0%} of traffic, for {at} minutes.")
    else:
        stage("canary", "passed", f"{minutes} minutes at {share:.0%} of traffic, never over the "
                                  f"+{threshold_pp:g}-point limit")
        stage("production", "passed", "promoted: rolled out to 100% of traffic")
        result["decision"], result["in_production"] = "promote", True
        log.append("Decision: PROMOTE. The new version now serves all traffic.")
    return _finish(result, log, quiet)


def _simulate_canary(canary_rate, baseline_rate, threshold_pp, share, per_minute, minutes, every, min_requests,
                     seed) -> dict:
    rng = np.random.default_rng(seed)
    canary_n = max(1, round(per_minute * share))
    baseline_n = per_minute - canary_n
    data = {"threshold_pp": threshold_pp, "canary_share": share, "minutes": [], "canary_requests": [],
            "canary_errors": [], "baseline_requests": [], "baseline_errors": [], "canary_error_rate_pct": [],
            "baseline_error_rate_pct": [], "decision": "promote", "decided_at_minute": minutes,
            "judged_from_minute": None}
    log = [f"      canary: {share:.0%} of traffic to the new version; roll back if its error rate is more than "
           f"{threshold_pp:g} points above the baseline's"]
    totals = [0, 0, 0, 0]
    for minute in range(1, minutes + 1):
        errors = int(rng.binomial(canary_n, canary_rate)), int(rng.binomial(baseline_n, baseline_rate))
        for key, value in (("minutes", minute), ("canary_requests", canary_n), ("canary_errors", errors[0]),
                           ("baseline_requests", baseline_n), ("baseline_errors", errors[1])):
            data[key].append(value)
        totals = [totals[0] + canary_n, totals[1] + errors[0], totals[2] + baseline_n, totals[3] + errors[1]]
        canary_pct, baseline_pct = 100 * totals[1] / totals[0], 100 * totals[3] / totals[2]
        data["canary_error_rate_pct"].append(canary_pct)
        data["baseline_error_rate_pct"].append(baseline_pct)
        if minute % every and minute != minutes:
            continue
        if totals[0] < min_requests:
            log.append(f"      minute {minute:>3}: {totals[0]:,} canary requests so far, too few to judge yet")
            continue
        if data["judged_from_minute"] is None:
            data["judged_from_minute"] = minute
        gap = canary_pct - baseline_pct
        verdict = canary_decision(totals[0], totals[1], totals[2], totals[3], threshold_pp=threshold_pp)
        log.append(f"      minute {minute:>3}: canary {canary_pct:.2f}% ({totals[1]} of {totals[0]:,}) vs baseline "
                   f"{baseline_pct:.2f}% ({totals[3]} of {totals[2]:,}): {gap:+.2f} points -> "
                   f"{'ROLL BACK' if verdict == 'roll back' else 'keep going'}")
        if verdict == "roll back":
            data["decision"], data["decided_at_minute"] = "roll back", minute
            break
    data["log"] = log
    return data


def _finish(result: dict, log: list[str], quiet: bool) -> dict:
    if not quiet:
        print("\n".join(log))
    return result


def _check_result(result) -> dict:
    if not isinstance(result, dict) or "stages" not in result or "decision" not in result:
        raise KitError("Pass the dict that pipeline.run() returned.")
    return result


def canary_chart(result: dict) -> Figure:
    """The canary's and the baseline's error rate over the canary minutes (cumulative), with the rollback line."""
    canary = _check_result(result)["canary"]
    if canary is None:
        raise KitError(f"This change never reached the canary (it was blocked at {result['blocked_at']}), "
                       "so there is no canary to draw.")
    minutes = canary["minutes"]
    limit = [b + canary["threshold_pp"] for b in canary["baseline_error_rate_pct"]]
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(minutes, canary["baseline_error_rate_pct"], color="#1b9e77", lw=2, label="baseline (old version)")
    ax.plot(minutes, canary["canary_error_rate_pct"], color="#d95f02", lw=2, label="canary (new version)")
    ax.plot(minutes, limit, color="black", ls="--", lw=1,
            label=f"rollback line: baseline + {canary['threshold_pp']:g} points")
    judged = canary["judged_from_minute"] or canary["decided_at_minute"]
    ax.axvspan(0, judged, color="#f0f0f0", zorder=0, label="too few canary requests to judge yet")
    at = canary["decided_at_minute"]
    ax.axvline(at, color="#7570b3", lw=1, ls=":")
    ax.annotate(canary["decision"].upper(), (at, max(limit + canary["canary_error_rate_pct"])),
                ha="right", va="top", color="#7570b3", fontweight="bold")
    ax.set(xlabel="minutes since the canary started", ylabel="error rate so far (%)", ylim=(0, None), xlim=(0, None),
           title=f"Canary for {result['change']!r}: {canary['canary_share']:.0%} of traffic")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return fig


def pipeline_diagram(result: dict) -> Figure:
    """The six stages as boxes coloured by what happened: passed, failed, rolled back or skipped."""
    stages = _check_result(result)["stages"]
    fig = Figure(figsize=(10, 1.9), layout="constrained")
    ax = fig.subplots()
    for i, item in enumerate(stages):
        colour = _COLOURS[item["status"]]
        ax.add_patch(FancyBboxPatch((i * 1.7, 0), 1.4, 1, boxstyle="round,pad=0.05", color=colour))
        ax.text(i * 1.7 + 0.7, 0.62, item["stage"].replace(" to ", "\nto "), ha="center", va="center",
                color="white", fontsize=9, fontweight="bold")
        ax.text(i * 1.7 + 0.7, 0.18, item["status"], ha="center", va="center", color="white", fontsize=8)
        if i:
            ax.annotate("", (i * 1.7 - 0.05, 0.5), (i * 1.7 - 0.25, 0.5),
                        arrowprops={"arrowstyle": "->", "color": "#636363"})
    ax.set(xlim=(-0.2, len(stages) * 1.7), ylim=(-0.2, 1.3), title=f"Decision: {result['decision']}")
    ax.axis("off")
    return fig
