"""Requirements a team can build and test: INVEST stories, vertical slices, measurable NFRs.

- INVEST (Bill Wake, "INVEST in Good Stories, and SMART Tasks", 2003): a good user story is
  Independent, Negotiable, Valuable, Estimable, Small and Testable. Wake's picture for Valuable is a
  layered cake: slice stories vertically, through every layer, not one layer at a time.
- Non-functional requirements are grouped by the nine product-quality characteristics of
  ISO/IEC 25010:2023 (which added safety, renamed usability "interaction capability" and
  portability "flexibility").
- A measurable requirement names a METRIC, a THRESHOLD and a WINDOW or condition: "p95 latency of
  POST /v1/payments below 300 ms over any 28-day window". `measurable(text)` finds the three parts
  in a sentence, says which are missing, and flags vague words ("fast", "reliable", "scalable").
"""

from __future__ import annotations

import html
import re

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from tpmkit.check import reports_progress
from tpmkit.errors import CheckFailed, KitError
from tpmkit.quality import CHARACTERISTICS, RENAMED_IN_2023

__all__ = ["INVEST", "ISO_25010", "RENAMED_2023", "Measurability", "invest_table", "measurable",
           "quality_characteristics", "self_check", "slicing_picture"]

INVEST = {
    "I": ("Independent", "Can it be built and shipped without waiting for another story?"),
    "N": ("Negotiable", "Does it leave the how open for the team to work out, or does it dictate a design?"),
    "V": ("Valuable", "Would a user or customer notice and care when it ships?"),
    "E": ("Estimable", "Does the team know enough to say roughly how big it is?"),
    "S": ("Small", "Does it fit well inside one iteration (a sprint), with room to spare?"),
    "T": ("Testable", "Could you write a test that says yes or no: is it done?"),
}

# One list for the whole kit: module 09's tpmkit.quality holds ISO/IEC 25010:2023's characteristics.
ISO_25010 = CHARACTERISTICS
RENAMED_2023 = RENAMED_IN_2023

_CHARACTERISTICS = [
    ("functional suitability", "does it do the right things, completely and correctly?",
     "a refund never takes back more than the payment"),
    ("performance efficiency", "time behaviour, resource use, capacity",
     "p99 latency of GET /v1/customers below 250 ms at 100 requests per second"),
    ("compatibility", "works alongside and exchanges data with other systems",
     "the receipts export opens in Excel and Google Sheets"),
    ("interaction capability", "can the intended users use it well? (was usability)",
     "4 of 5 shop owners find the refund button without help in usability tests"),
    ("reliability", "availability, fault tolerance, recoverability",
     "the settlement report is available 99.5% of each calendar month"),
    ("security", "confidentiality, integrity, accountability, authenticity",
     "a staff account locks after 5 wrong PINs in a row"),
    ("maintainability", "how easily the team can change, test and reuse it",
     "a fee change ships within one working day, tests included"),
    ("flexibility", "adapts to other environments, scales (was portability)",
     "the API moves to a second cloud provider with configuration changes only"),
    ("safety", "avoids harm to people, property, business or the environment (new in 2023)",
     "if fraud scoring is down, the till fails safe: card payments over £100 need the PIN"),
]


def invest_table() -> pd.DataFrame:
    """The six INVEST letters, what each means, and the question to ask of a story."""
    return pd.DataFrame([{"letter": k, "quality": word, "ask": ask} for k, (word, ask) in INVEST.items()])


def quality_characteristics() -> pd.DataFrame:
    """ISO/IEC 25010:2023's nine product-quality characteristics, with a Tillpoint requirement for each."""
    return pd.DataFrame([{"characteristic": c, "covers": covers, "a Tillpoint NFR": example}
                         for c, covers, example in _CHARACTERISTICS])


# --- measurable NFRs -----------------------------------------------------------------------------------

MAX_LENGTH = 500

_NUM = r"(\d+(?:\.\d+)?)"
_TIME_UNIT = r"(ms|milliseconds?|msecs?|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h)"
_MS = {"ms": 1, "millisecond": 1, "msec": 1, "second": 1000, "sec": 1000, "s": 1000,
       "minute": 60_000, "min": 60_000, "hour": 3_600_000, "hr": 3_600_000, "h": 3_600_000}
_AT_MOST = (r"below|under|less than|lower than|fewer than|at most|no more than|not more than|no longer than|"
            r"not longer than|no slower than|faster than|within|up to|a maximum of|maximum of|max|"
            r"does not exceed|do not exceed|not exceed|never exceeds?|never exceed|<=|≤|<")
_AT_LEAST = (r"at least|above|more than|greater than|no less than|not less than|no fewer than|a minimum of|"
             r"minimum of|min|>=|≥|>")
_COMPARE = rf"(?P<cmp>{_AT_MOST}|{_AT_LEAST})"
_TIME_THRESHOLD = re.compile(rf"{_COMPARE}\s*(?:of\s+)?{_NUM}\s*{_TIME_UNIT}\b")
_PERCENT_THRESHOLD = re.compile(rf"(?:{_COMPARE}\s*(?:of\s+)?)?{_NUM}\s*%")
_RATE = re.compile(rf"(?:{_COMPARE}\s*(?:of\s+)?)?{_NUM}\s*(?:[a-z]+\s+){{0,3}}?(?:per|/|a|every)\s*"
                   r"(second|sec|s|minute|min|hour)\b|(?:" + _COMPARE.replace("cmp", "cmp2") +
                   rf"\s*(?:of\s+)?)?{_NUM}\s*(rps|tps|qps)\b")
_PERCENTILE = [
    (re.compile(r"\bp(\d{1,2}(?:\.\d+)?)\b"), None),
    (re.compile(r"\b(\d{1,2}(?:\.\d+)?)(?:st|nd|rd|th)?[- ]percentile\b"), None),
    (re.compile(r"\bmedian\b"), "p50"),
    (re.compile(r"\b(?:average|mean)\b"), "mean"),
    (re.compile(r"\b(?:every|all|each)\s+(?:single\s+)?(?:request|call|payment|refund|response|page|report)s?\b"),
     "max"),
]
_PERCENT_OF = re.compile(r"\b(\d{1,2}(?:\.\d+)?)\s*%\s*of\b")
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30}
_WINDOW = re.compile(r"\b(\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty)"
                     r"[- ](minute|hour|day|week|month|quarter|year)s?\b")
_PERIOD = re.compile(r"\b(?:per|each|every|any|a|an|one|the)\s+(?:calendar\s+|rolling\s+|full\s+)?"
                     r"(minute|hour|day|week|month|quarter|year)\b")
_ADVERB = re.compile(r"\b(hourly|daily|weekly|monthly|quarterly|yearly|annually)\b")
_LOAD = re.compile(r"\b(?:at|under|with|during|while handling|handling)\s+(?:a\s+)?(?:peak\s+)?(?:load\s+of\s+)?"
                   r"(?:up\s+to\s+)?(\d+)\s*(?:[a-z]+\s+){0,2}?(?:per\s+(second|minute)|/s|rps|tps|"
                   r"(concurrent\s+[a-z]+|users|shops))")
_VAGUE = ("fast", "quick", "quickly", "slow", "responsive", "snappy", "reliable", "reliably", "robust", "stable",
          "scalable", "scale", "highly available", "always available", "secure", "user-friendly", "user friendly",
          "easy", "intuitive", "seamless", "seamlessly", "real-time", "real time", "instant", "instantly",
          "as soon as possible", "asap", "minimal", "efficient", "performant", "acceptable", "reasonable",
          "good", "better", "optimal", "best", "modern", "flexible", "lots of", "many")
_RECOVERY = re.compile(r"\b(recover\w*|restor\w*|rto|back online|failover)\b")
_DATA_LOSS = re.compile(r"\b(rpo|data loss|lose|lost|loses)\b")
_LATENCY = re.compile(r"\b(latency|response time|respond\w*|answer\w*|load\w*|render\w*|return\w*|complet\w*|"
                      r"take\w*|took|finish\w*|served|serve|appear\w*|duration|time to)\b")
_AVAILABILITY = re.compile(r"\b(availab\w*|uptime|up time|succe\w*)\b")
_ERRORS = re.compile(r"\b(errors?|error rate|fail\w*|5xx)\b")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _direction(cmp: str | None, default: str) -> str:
    if cmp is None:
        return default
    return "at least" if re.fullmatch(_AT_LEAST, cmp) else "at most"


def _unit(word: str) -> str:
    word = word.lower()
    return word if word in _MS else word.rstrip("s") if word.rstrip("s") in _MS else word[:-1]


def _window_text(count: float, unit: str) -> str:
    if unit in ("month", "quarter", "year"):
        return f"{_fmt(count)} {unit}{'s' if count != 1 else ''}"
    minutes = count * {"minute": 1, "hour": 60, "day": 1440, "week": 10_080}[unit]
    for name, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes >= size and float(minutes / size).is_integer():
            n = minutes / size
            return f"{_fmt(n)} {name}{'s' if n != 1 else ''}"
    return f"{_fmt(minutes)} minutes"


class Measurability:
    """What `measurable()` found in one requirement: its metric, threshold and window, and what is missing."""

    def __init__(self, requirement: str, metric, threshold, window, vague: list[str], notes: list[str]):
        self.requirement = requirement
        self.metric, self.threshold, self.window = metric, threshold, window
        self.vague, self.notes = vague, notes

    @property
    def facts(self) -> dict:
        """Plain data: {"metric": ..., "threshold": ..., "window": ...}, None where the part is missing."""
        return {"metric": self.metric, "threshold": self.threshold, "window": self.window}

    @property
    def missing(self) -> list[str]:
        return [part for part, value in self.facts.items() if value is None]

    @property
    def ok(self) -> bool:
        return not self.missing

    _ADVICE = {
        "metric": "say WHAT is measured and how: p95 latency, the share of requests that succeed, "
                  "payments per second",
        "threshold": "give a number with a unit and a direction: below 300 ms, at least 99.9%",
        "window": "say over what period or under what load it is judged: over any 28-day window, "
                  "per calendar month, at 200 payments per second",
    }

    def rows(self) -> list[dict]:
        out = []
        for part, value in self.facts.items():
            out.append({"part": part, "found": value or "MISSING",
                        "note": "" if value else self._ADVICE[part]})
        return out

    def __repr__(self) -> str:
        head = "measurable" if self.ok else f"not measurable yet (missing: {', '.join(self.missing)})"
        lines = [f"{self.requirement!r}: {head}"]
        lines += [f"  {r['part']:<9} {r['found']}" + (f"  <- {r['note']}" if r["note"] else "") for r in self.rows()]
        if self.vague:
            lines.append(f"  vague words: {', '.join(self.vague)} (replace them with numbers)")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b42318"
        verdict = "measurable" if self.ok else f"not measurable yet: missing {', '.join(self.missing)}"
        out = [f"<p><i>{html.escape(self.requirement)}</i><br><b style='color:{colour}'>{verdict}</b></p><table>"]
        for r in self.rows():
            c = "#1a7f37" if r["note"] == "" else "#b42318"
            out.append(f"<tr><td style='text-align:left'><b>{r['part']}</b></td>"
                       f"<td style='text-align:left;color:{c}'>{html.escape(r['found'])}</td>"
                       f"<td style='text-align:left'>{html.escape(r['note'])}</td></tr>")
        out.append("</table>")
        if self.vague:
            out.append(f"<p>Vague words: <b>{html.escape(', '.join(self.vague))}</b>: replace them with numbers.</p>")
        out += [f"<p>Note: {html.escape(n)}</p>" for n in self.notes]
        return "".join(out)


def measurable(requirement) -> Measurability:
    """Find the metric, threshold and window (or load condition) in one requirement sentence.

    Numbers are normalised (latency in ms, windows in minutes, hours or days), so "0.3 s" and
    "300 ms" read the same. It is a checklist, not a judge: a sentence can name all three parts and
    still be the wrong requirement.
    """
    if not isinstance(requirement, str):
        raise KitError(f"A requirement is one sentence of text (a str), not a {type(requirement).__name__}.")
    if not requirement.strip():
        raise KitError("The requirement is empty: write one sentence, such as 'p95 latency of POST /v1/payments "
                       "below 300 ms over any 28-day window'.")
    if len(requirement) > MAX_LENGTH:
        raise KitError(f"Give one requirement at a time (under {MAX_LENGTH} characters), not a whole document.")
    text = " ".join(requirement.lower().replace("\u2009", " ").split())
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000
    notes: list[str] = []
    vague = [w for w in _VAGUE if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]

    metric = threshold = None
    span = None
    time_hit = _TIME_THRESHOLD.search(text)
    percent_hit = _PERCENT_THRESHOLD.search(text)
    rate_hit = _RATE.search(text)

    if time_hit:
        amount, unit = float(time_hit.group(2)), _unit(time_hit.group(3))
        direction = _direction(time_hit.group("cmp"), "at most")
        ms = amount * _MS[unit]
        span = time_hit.span()
        if _RECOVERY.search(text):
            metric, threshold = "recovery time", f"{direction} {_fmt(ms / 60_000)} min"
        elif _DATA_LOSS.search(text):
            metric, threshold = "data loss", f"{direction} {_fmt(ms / 60_000)} min"
        else:
            statistic = None
            for pattern, fixed in _PERCENTILE:
                found = pattern.search(text)
                if found:
                    statistic = fixed or f"p{found.group(1)}"
                    break
            percent_of = _PERCENT_OF.search(text)
            if percent_of and statistic in (None, "max"):
                statistic = f"p{percent_of.group(1)}"
            if statistic is None and not _LATENCY.search(text):
                notes.append("a time limit for what? Name the operation and say it is latency.")
            else:
                metric = f"{statistic} latency" if statistic else "latency"
                threshold = f"{direction} {_fmt(ms)} ms"
                if statistic is None:
                    notes.append("say which percentile (p95, p99): without one it reads as every single request.")
                elif statistic == "mean":
                    notes.append("a mean hides the slow tail; latency targets are usually a high percentile.")
    elif percent_hit and (_ERRORS.search(text) or _AVAILABILITY.search(text)):
        value = float(percent_hit.group(2))
        span = percent_hit.span()
        errors = _ERRORS.search(text)
        success = re.search(r"\b(availab\w*|uptime|up time|succe\w*)\b", text)
        if errors and not (success and success.start() < errors.start()):
            metric = "error rate"
            threshold = f"{_direction(percent_hit.group('cmp'), 'at most')} {_fmt(value)}%"
        else:
            metric = "availability"
            threshold = f"{_direction(percent_hit.group('cmp'), 'at least')} {_fmt(value)}%"
    elif rate_hit:
        span = rate_hit.span()
        if rate_hit.group(2) is not None:
            value, per = float(rate_hit.group(2)), rate_hit.group(3)
            cmp = rate_hit.group("cmp")
        else:
            value, per = float(rate_hit.group(5)), "second"
            cmp = rate_hit.group("cmp2")
        per = {"sec": "second", "s": "second", "min": "minute"}.get(per, per)
        metric, threshold = "throughput", f"{_direction(cmp, 'at least')} {_fmt(value)} per {per}"
    elif percent_hit:
        span = percent_hit.span()
        threshold = f"{_fmt(float(percent_hit.group(2)))}%"
        notes.append("a percentage of what? Name what is counted: requests that succeed, errors, shops...")

    rest = text if span is None else text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]
    window = None
    found = _WINDOW.search(rest)
    if found:
        count = found.group(1)
        count = _WORD_NUMBERS[count] if count in _WORD_NUMBERS else float(count)
        window = _window_text(count, found.group(2))
    else:
        found = _PERIOD.search(rest) or _ADVERB.search(rest)
        if found:
            unit = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
                    "yearly": "year", "annually": "year"}.get(found.group(1), found.group(1))
            window = _window_text(1, unit)
    if window is None and metric != "throughput":
        load = _LOAD.search(rest)
        if load:
            per = load.group(2)
            window = f"load of {load.group(1)} per {per}" if per else f"load of {load.group(1)} {load.group(3)}"
    if metric is None and not notes:
        notes.append("no measurable quantity found: which number would tell you it is met?")
    return Measurability(requirement, metric, threshold, window, vague, notes)


@reports_progress("requirements")
def self_check(requirement, name: str) -> None:
    """Visible self-check: the requirement names a metric, a threshold and a window (form, not the right values)."""
    if requirement is None or requirement is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: write your requirement as text in {name} and run the cell.")
    try:
        found = measurable(requirement)
    except KitError as exc:
        raise CheckFailed(f"{name}: {exc}") from None
    if found.missing:
        raise CheckFailed(f"{name} is not measurable yet: it has no {' and no '.join(found.missing)} "
                          f"({found._ADVICE[found.missing[0]]}).")
    print(f"✓ {name} names a metric ({found.metric}), a threshold ({found.threshold}) and a window "
          f"({found.window}). Hidden tests check them against the interview notes when graded.")


# --- the picture: horizontal vs vertical slices ---------------------------------------------------------------

_LAYERS = ["Till app screen", "Refund rules", "Refunds API", "Database"]
_SLICES = ["Full refund of\na card payment", "Partial refund", "Refund with\na reason", "Refunds in the\ndaily report"]


def slicing_picture() -> Figure:
    """Two ways to split the 'refunds' epic: by layer (horizontal, nothing usable until the last one) and
    by user-visible behaviour (vertical, each slice ships something a shop can use)."""
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1"]
    for ax in (left, right):
        ax.set(xlim=(0, 4.6), ylim=(-0.9, 4.2))
        ax.axis("off")
        for i, layer in enumerate(_LAYERS):
            y = 3 - i
            ax.add_patch(Rectangle((0.6, y), 4, 0.9, facecolor="#eeeeee", edgecolor="#999999"))
            ax.text(0.55, y + 0.45, layer, ha="right", va="center", fontsize=9)
    for i, colour in enumerate(colours):
        y = 3 - i
        left.add_patch(FancyBboxPatch((0.68, y + 0.1), 3.84, 0.7, boxstyle="round,pad=0.02", facecolor=colour,
                                      alpha=0.85, edgecolor="none"))
        left.text(2.6, y + 0.45, f"Story {i + 1}: build the {_LAYERS[i].lower()}", ha="center", va="center",
                  color="white", fontsize=9, fontweight="bold")
        x = 0.68 + i * 0.98
        right.add_patch(FancyBboxPatch((x, 0.1), 0.86, 3.7, boxstyle="round,pad=0.02", facecolor=colour,
                                       alpha=0.85, edgecolor="none"))
        right.text(x + 0.43, 1.95, _SLICES[i], ha="center", va="center", color="white", fontsize=8.5,
                   fontweight="bold", rotation=90)
    left.set_title("Horizontal: one story per layer", fontsize=11)
    left.text(2.6, -0.5, "Shops get nothing until story 4 ships; no story is testable on its own.",
              ha="center", fontsize=9, color="#b42318")
    right.set_title("Vertical: each story cuts through every layer", fontsize=11)
    right.text(2.6, -0.5, "Story 1 ships a refund a shop can use; each later slice adds to it.",
               ha="center", fontsize=9, color="#1a7f37")
    fig.suptitle("Splitting the epic 'Refunds from the till' (INVEST's cake: slice it vertically)", fontsize=12)
    return fig
