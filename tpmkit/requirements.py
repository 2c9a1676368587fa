"""Requirements a team can build and test: INVEST stories, vertical slices, measurable NFRs.

- INVEST (Bill Wake, "INVEST in Good Stories, and SMART Tasks", 2003): a good user story is
  Independent, Negotiable, Valuable, Estimable, Small and Testable. Wake's picture for Valuable is a
  layered cake: slice stories vertically, through every layer, not one layer at a time.
- Non-functional requirements are grouped by the nine product-quality characteristics of
  ISO/IEC 25010:2023 (which added safety, renamed usability "interaction capability" and
  portability "flexibility").
- Safety (ISO/IEC 25010:2023's definition): the product avoids a state in which human life, health,
  property or the environment is endangered. Fraud and stolen money are security, not safety.
- A measurable requirement names a METRIC (with the percentile, for anything that varies), a THRESHOLD
  and a WINDOW or condition (the period it is judged over, or the load it must hold under): "p95
  latency of POST /v1/payments below 300 ms over any 28-day window". The same checklist is taught in
  lessons 09 and 10. `measurable(text)` finds the three parts in a sentence the ways people say them
  ("95 out of every 100 answered in under 400 ms", "no more than 0.1% fail", "20 report requests/s
  for 120 minutes"), says which are missing, and flags vague words ("fast", "reliable", "scalable").
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from fractions import Fraction

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
    ("safety", "avoids endangering human life, health, property or the environment (new in 2023)",
     "the receipt printer's cutter stops within 100 ms whenever its cover is opened"),
]


def invest_table() -> pd.DataFrame:
    """The six INVEST letters, what each means, and the question to ask of a story."""
    return pd.DataFrame([{"letter": k, "quality": word, "ask": ask} for k, (word, ask) in INVEST.items()])


def quality_characteristics() -> pd.DataFrame:
    """ISO/IEC 25010:2023's nine product-quality characteristics, with a Tillpoint requirement for each."""
    return pd.DataFrame([{"characteristic": c, "covers": covers, "a Tillpoint NFR": example}
                         for c, covers, example in _CHARACTERISTICS])


# --- measurable NFRs -----------------------------------------------------------------------------------
#
# The reader works in three steps. (1) It finds every quantity in the sentence: shares of events ("95%",
# "95 out of every 100", "fewer than 1 in 1,000"), amounts of time ("under 400 ms", "for 2 hours"), and
# rates ("20 requests per second", "20 req/s", "200 rps"), each with the direction its words give
# ("at least", "no more than", "or less"). (2) It decides what the sentence promises: a time limit on
# events (latency, with the percentile the share gives), a share of events that succeed or fail
# (availability or error rate), or a rate (throughput). (3) What is left over names the window (a
# period), and a rate that is not the promise is the load it must hold under.

MAX_LENGTH = 500

_AT_MOST_WORDS = (
    "below", "under", "less than", "lower than", "fewer than", "at most", "at the most", "no more than",
    "not more than", "no longer than", "not longer than", "no slower than", "faster than", "quicker than",
    "shorter than", "sooner than", "within", "up to", "a maximum of", "maximum of", "maximum", "max",
    "no higher than", "not above", "no greater than", "no worse than", "does not exceed", "do not exceed",
    "doesn't exceed", "don't exceed", "not exceed", "never exceeds", "never exceed", "<=", "≤", "<")
_AT_LEAST_WORDS = (
    "at least", "above", "more than", "greater than", "higher than", "no less than", "not less than",
    "no fewer than", "no lower than", "not below", "a minimum of", "minimum of", "minimum", "min", "over",
    "exceeds", "exceeding", "exceed", "in excess of", "longer than", "slower than", "beyond", "upwards of",
    ">=", "≥", ">")
_POST_AT_MOST_WORDS = ("or less", "or fewer", "or lower", "or under", "or below", "or faster", "or quicker",
                       "or sooner", "or shorter", "at most", "at the most", "maximum", "max")
_POST_AT_LEAST_WORDS = ("or more", "or higher", "or above", "or over", "or greater", "or longer", "or slower",
                        "and above", "and up", "at least", "at a minimum", "minimum", "min")
_DIRECTION = {**{w: "most" for w in _AT_MOST_WORDS + _POST_AT_MOST_WORDS},
              **{w: "least" for w in _AT_LEAST_WORDS + _POST_AT_LEAST_WORDS},
              "or better": "good", "or worse": "bad"}


def _alternatives(words) -> str:
    """A regex alternation, longest phrase first; a phrase of words only matches as whole words."""
    out = []
    for word in sorted(set(words), key=len, reverse=True):
        body = re.escape(word).replace(r"\ ", " ")
        out.append(rf"(?<!\w){body}\b" if word[0].isalpha() and word[-1].isalpha() else body)
    return "|".join(out)


_CMP = _alternatives(_AT_MOST_WORDS + _AT_LEAST_WORDS)
_POST = _alternatives(_POST_AT_MOST_WORDS + _POST_AT_LEAST_WORDS + ("or better", "or worse"))
_NUM = r"(?<![\w.])(\d+(?:\.\d+)?)"

_UNITS = {"ms": "ms", "msec": "ms", "msecs": "ms", "millisecond": "ms", "milliseconds": "ms", "millis": "ms",
          "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
          "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
          "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
          "d": "day", "day": "day", "days": "day", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
          "month": "month", "months": "month", "quarter": "quarter", "quarters": "quarter",
          "yr": "year", "yrs": "year", "year": "year", "years": "year"}
_MS = {"ms": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
_TIME = re.compile(rf"{_NUM}\s*-?\s*(?:(?:rolling|consecutive|calendar|working|business)\s+)?"
                   rf"({'|'.join(sorted(_UNITS, key=len, reverse=True))})\b")
# Words before an amount of time that make it the period a requirement is judged over, not a limit.
_WINDOW_LEAD = re.compile(
    r"(?:\b(?:for|over|during|across|throughout|lasting|sustained|spanning|per|every|each|any|rolling|consecutive|"
    r"last|past|(?:in|within)\s+(?:any|every|each|a\s+rolling|the\s+last|the\s+past))\s+"
    r"(?:(?:at\s+least|a|an|the|any|one|full|whole|entire|rolling|consecutive|calendar|continuous|period\s+of|"
    r"window\s+of|minimum\s+of|of)\s+)*)$")
_CMP_LEAD = re.compile(rf"(?:{_CMP})\s*(?:of\s+)?$")
_DOING_LEAD = re.compile(r"\b(?:in|takes?|taking|took|rto|rpo)\s*(?:of|is|=|:)?\s*$")
_POST_AFTER = re.compile(rf"\s*(?:{_POST})")
_RATE_UNITS = {"second": "second", "sec": "second", "s": "second", "minute": "minute", "min": "minute",
               "hour": "hour", "hr": "hour", "h": "hour"}
_RATE = re.compile(
    rf"(?:(?P<cmp>{_CMP})\s*(?:of\s+)?)?{_NUM}(?P<words>(?:\s+[a-z][\w-]*){{0,4}}?)\s*"
    rf"(?:\bper\b|/|\ba\b|\ban\b|\bevery\b|\beach\b)\s*(?P<unit>second|sec|minute|min|hour|hr|s|h)\b"
    rf"(?:\s+(?P<post>{_POST}))?"
    rf"|(?:(?P<cmp2>{_CMP})\s*(?:of\s+)?)?(?<![\w.])(?P<n2>\d+(?:\.\d+)?)\s*(?P<abbr>rps|tps|qps|rpm)\b")
_PERCENT = re.compile(rf"(?:(?P<cmp>{_CMP})\s*(?:of\s+)?)?{_NUM}\s*%(?:\s+(?P<post>{_POST}))?")
_RATIO = re.compile(
    rf"(?:(?P<cmp>{_CMP})\s*(?:of\s+)?)?{_NUM}\s+(?:out\s+of|in|of)\s+(?:(?:every|each|any|a|all|the)\s+)?"
    rf"(?<![\w.])(\d+(?:\.\d+)?)\b(?!\s*(?:%|-?\s*(?:{'|'.join(sorted(_UNITS, key=len, reverse=True))})\b))"
    rf"(?:\s+(?P<post>{_POST}))?")
_STATISTICS = [
    (re.compile(r"\bp(\d{1,2}(?:\.\d+)?)\b"), None),
    (re.compile(r"\b(\d{1,2}(?:\.\d+)?)(?:st|nd|rd|th)?[- ]?percentile\b"), None),
    (re.compile(r"\bpercentile\s+(\d{1,2}(?:\.\d+)?)\b"), None),
    (re.compile(r"\bmedian\b"), "p50"),
    (re.compile(r"\b(?:average|mean|avg)\b"), "mean"),
]
_EVERY = re.compile(r"\b(?:every|all|each)\s+(?:single\s+)?(?:request|call|payment|refund|response|page|report|"
                    r"checkout|transaction)s?\b")
_OUTCOME = re.compile(
    r"\b(?P<ok>error[- ]free|without\s+(?:an?\s+)?errors?|with\s+no\s+errors?)"
    r"|\b(?P<bad>fail\w*|errors?|5xx|unsuccessful\w*|(?:do\s+|does\s+)?not\s+succeed\w*|(?:don't|doesn't)\s+succeed\w*"
    r"|time\s*outs?|timed\s+out)\b"
    r"|\b(?P<good>succe\w*|availab\w*|uptime|up\s+time|2xx)\b")
_PERIOD = re.compile(r"\b(?:per|each|every|any|a|an|one|the)\s+"
                     r"(?:(?:calendar|rolling|full|working|business|single)\s+)?(minute|hour|day|week|month|quarter|year)\b")
_ADVERB = re.compile(r"\b(hourly|daily|weekly|monthly|quarterly|yearly|annually)\b")
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20,
                 "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
_VAGUE = ("fast", "quick", "quickly", "slow", "responsive", "snappy", "reliable", "reliably", "robust", "stable",
          "scalable", "scale", "highly available", "always available", "secure", "user-friendly", "user friendly",
          "easy", "intuitive", "seamless", "seamlessly", "real-time", "real time", "instant", "instantly",
          "as soon as possible", "asap", "minimal", "efficient", "performant", "acceptable", "reasonable",
          "good", "better", "optimal", "best", "modern", "flexible", "lots of", "many")
_RECOVERY = re.compile(r"\b(recover\w*|restor\w*|rto|back online|failover|fail over)\b")
_DATA_LOSS = re.compile(r"\b(rpo|data loss|lose|lost|loses|losing)\b")
_LATENCY = re.compile(r"\b(latency|response time|respon\w*|answer\w*|load\w*|render\w*|return\w*|complet\w*|"
                      r"take\w*|took|finish\w*|served|serve|appear\w*|duration|time to|process\w*|confirm\w*|"
                      r"approv\w*|display\w*|show\w*|print\w*|wait\w*)\b")
_METRIC_MEANS = {
    "mean latency": "the average time, which hides the slow tail",
    "max latency": "the time that every single request stays within",
    "latency": "a time limit with no percentile, so it reads as every single request",
    "availability": "the share of requests that succeed",
    "error rate": "the share of requests that fail",
    "throughput": "how many are handled in each unit of time",
    "recovery time": "the time to restore the service",
    "data loss": "how much recent data may be lost, as time",
}


def _fmt(value) -> str:
    """A number as a requirement writes it: 400, 99.9, 0.1 (exact for decimals, no float noise)."""
    if isinstance(value, (Decimal, Fraction)):
        fraction = Fraction(value)
        rest = fraction.denominator
        for prime in (2, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:  # a terminating decimal: exact
            text = format(Decimal(fraction.numerator) / Decimal(fraction.denominator), "f")
            return text.rstrip("0").rstrip(".") if "." in text else text
        value = float(fraction)
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.6g}"


def _said(direction: str | None, good: str) -> str:
    """'at most' or 'at least' for a direction read from the words; `good` is the default and what
    'or better' means for this kind of quantity ("most" for times and errors, "least" for successes)."""
    if direction in (None, "good"):
        direction = good
    elif direction == "bad":
        direction = "least" if good == "most" else "most"
    return f"at {direction}"


def _flip(said: str) -> str:
    return "at least" if said == "at most" else "at most"


def _window_text(count, unit: str) -> str:
    count = Fraction(count)
    if unit in ("month", "quarter", "year"):
        return f"{_fmt(count)} {unit}{'s' if count != 1 else ''}"
    minutes = count * {"minute": 1, "hour": 60, "day": 1440, "week": 10_080}[unit]
    for name, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes >= size and (minutes / size).denominator == 1:
            n = minutes / size
            return f"{_fmt(n)} {name}{'s' if n != 1 else ''}"
    return f"{_fmt(minutes)} minutes"


def _direction_of(*phrases: str | None) -> str | None:
    """The direction ("most", "least", "good", "bad") that the comparison words before or after a number give."""
    for phrase in phrases:
        words = " ".join((phrase or "").split())
        words = words if words in _DIRECTION else re.sub(r"\s*\bof$", "", words)  # "under of" -> "under"
        if words:
            return _DIRECTION.get(words)
    return None


def _overlaps(span, spans) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _shares(text: str) -> list[dict]:
    """Shares of events: '95%', '95 percent', '95 out of every 100', 'fewer than 1 in 1000', in %."""
    found = []
    for hit in _PERCENT.finditer(text):
        found.append({"pct": Decimal(hit.group(2)), "direction": _direction_of(hit.group("cmp"), hit.group("post")),
                      "span": hit.span()})
    for hit in _RATIO.finditer(text):
        part, whole = Decimal(hit.group(2)), Decimal(hit.group(3))
        if whole > 0 and part <= whole and not _overlaps(hit.span(), [s["span"] for s in found]):
            found.append({"pct": Fraction(part) * 100 / Fraction(whole),
                          "direction": _direction_of(hit.group("cmp"), hit.group("post")), "span": hit.span()})
    return sorted(found, key=lambda share: share["span"])


def _rates(text: str) -> list[dict]:
    """Rates: '20 report requests per second', '20 req/s', '20 a second', '200 rps', each with its direction."""
    found = []
    for hit in _RATE.finditer(text):
        if hit.group("abbr"):
            per = {"rpm": "minute"}.get(hit.group("abbr"), "second")
            found.append({"value": Decimal(hit.group("n2")), "per": per, "span": hit.span(),
                          "cmp": hit.group("cmp2"), "direction": _direction_of(hit.group("cmp2"), None)})
            continue
        post = hit.group("post")
        if not post:  # "20 or more per second": the comparison sits between the number and its unit
            inner = _POST_AFTER.match(hit.group("words"))
            post = inner and inner.group(0)
        found.append({"value": Decimal(hit.group(2)), "per": _RATE_UNITS[hit.group("unit")], "span": hit.span(),
                      "cmp": hit.group("cmp"), "direction": _direction_of(hit.group("cmp"), post)})
    return found


def _times(text: str, taken: list[tuple[int, int]]) -> tuple[list[dict], list[dict]]:
    """Amounts of time, split into limits ('under 400 ms', 'within 1 hour') and windows ('for 2 hours')."""
    limits, windows = [], []
    for hit in _TIME.finditer(text):
        if _overlaps(hit.span(), taken):
            continue
        unit = _UNITS[hit.group(2)]
        before, after = text[:hit.start()], text[hit.end():]
        lead, post = _CMP_LEAD.search(before), _POST_AFTER.match(after)
        item = {"count": Decimal(hit.group(1)), "unit": unit, "span": hit.span()}
        if unit in ("ms", "second"):
            if _WINDOW_LEAD.search(before) and not lead:
                continue  # "for 30 seconds": too short to be a window, and not a limit
            limits.append({**item, "direction": _direction_of(lead and lead.group(0), post and post.group(0))})
        elif _WINDOW_LEAD.search(before):
            windows.append(item)
        elif lead or post or (_DOING_LEAD.search(before) and unit in ("minute", "hour", "day")):
            if unit in ("week", "month", "quarter", "year"):
                windows.append(item)
            else:
                limits.append({**item, "direction": _direction_of(lead and lead.group(0), post and post.group(0))})
        else:
            windows.append(item)
    return limits, windows


def _normalise(requirement: str) -> str:
    """Lower case, single spaces, no thousands commas, 'percent' as %, and number words as digits."""
    text = " ".join(requirement.lower().replace("\u2009", " ").replace("\u202f", " ").replace("\u00a0", " ")
                    .replace("’", "'").split())
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)                        # 1,000 -> 1000
    text = re.sub(r"\b(?:a|one)\s+(hundred|thousand)\b",
                  lambda m: "100" if m.group(1) == "hundred" else "1000", text)
    text = re.sub(r"\bper\s?cent\b", "%", text)                              # 95 percent -> 95 %
    text = re.sub(rf"\b({'|'.join(_WORD_NUMBERS)})\b", lambda m: str(_WORD_NUMBERS[m.group(1)]), text)
    return text


class Measurability:
    """What `measurable()` read in one requirement: its metric, threshold and window, what is missing, the load
    it must hold under (if it names one), and the same promise in standard form (`target`)."""

    def __init__(self, requirement: str, metric, threshold, window, vague: list[str], notes: list[str], *,
                 load: str | None = None, same_as: tuple[str, str] | None = None):
        self.requirement = requirement
        self.metric, self.threshold, self.window = metric, threshold, window
        self.vague, self.notes = vague, notes
        self.load, self.same_as = load, same_as

    @property
    def facts(self) -> dict:
        """Plain data, as the sentence says it: {"metric": ..., "threshold": ..., "window": ...}, None where the
        part is missing."""
        return {"metric": self.metric, "threshold": self.threshold, "window": self.window}

    @property
    def target(self) -> dict:
        """`facts` in one standard form, so that two ways of saying the same promise compare equal: an error-rate
        ceiling becomes the success-rate floor it implies ("at most 0.1% fail" = "at least 99.9% succeed")."""
        if self.same_as is None:
            return self.facts
        metric, threshold = self.same_as
        return {"metric": metric, "threshold": threshold, "window": self.window}

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

    def meaning(self) -> str:
        """What the metric measures, in words: 'the time 95 in every 100 requests stay within'."""
        if self.metric is None:
            return ""
        percentile = re.fullmatch(r"p([\d.]+) latency", self.metric)
        if percentile:
            share = percentile.group(1)
            return "the median time" if share == "50" else f"the time {share} in every 100 requests stay within"
        return _METRIC_MEANS.get(self.metric, "")

    def rows(self) -> list[dict]:
        out = []
        for part, value in self.facts.items():
            note = self._ADVICE[part] if value is None else self.meaning() if part == "metric" else ""
            out.append({"part": part, "found": value or "MISSING", "note": note, "missing": value is None})
        if self.load and f"load of {self.load}" != self.window:
            out.append({"part": "load", "found": self.load, "note": "the condition it must hold under",
                        "missing": False})
        if self.same_as:
            out.append({"part": "same as", "found": " ".join(self.same_as), "note": "the same promise, said the "
                        "other way round", "missing": False})
        return out

    def __repr__(self) -> str:
        head = "measurable" if self.ok else f"not measurable yet (missing: {', '.join(self.missing)})"
        lines = [f"{self.requirement!r}: {head}"]
        for r in self.rows():
            note = (f"  <- {r['note']}" if r["missing"] else f"  ({r['note']})") if r["note"] else ""
            lines.append(f"  {r['part']:<9} {r['found']}{note}")
        if self.vague:
            lines.append(f"  vague words: {', '.join(self.vague)} (replace them with numbers)")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b42318"
        verdict = "measurable" if self.ok else f"not measurable yet: missing {', '.join(self.missing)}"
        out = [f"<p><i>{html.escape(self.requirement)}</i><br><b style='color:{colour}'>{verdict}</b></p><table>"]
        for r in self.rows():
            c = "#b42318" if r["missing"] else "#1a7f37"
            out.append(f"<tr><td style='text-align:left'><b>{r['part']}</b></td>"
                       f"<td style='text-align:left;color:{c}'>{html.escape(r['found'])}</td>"
                       f"<td style='text-align:left'>{html.escape(r['note'])}</td></tr>")
        out.append("</table>")
        if self.vague:
            out.append(f"<p>Vague words: <b>{html.escape(', '.join(self.vague))}</b>: replace them with numbers.</p>")
        out += [f"<p>Note: {html.escape(n)}</p>" for n in self.notes]
        return "".join(out)


def _latency(limit: dict, share: dict | None, text: str, notes: list[str]) -> tuple[str | None, str]:
    """The latency metric and threshold a time limit gives, with the percentile its share or statistic names.

    "95 out of every 100 within 400 ms" and "no more than 5% take longer than 400 ms" both read as
    p95 latency at most 400 ms: a share of requests within a time is a percentile, and so is the share
    beyond it, counted from the other end.
    """
    ms = limit["count"] * _MS[limit["unit"]]
    within = _said(limit["direction"], "most") == "at most"
    statistic = None
    for pattern, fixed in _STATISTICS:
        found = pattern.search(text)
        if found:
            statistic = fixed or f"p{found.group(1)}"
            break
    said = _said(limit["direction"], "most")
    if statistic is None and share is not None:
        pct = share["pct"] if within else 100 - Fraction(share["pct"])
        statistic = f"p{_fmt(pct)}"
        usual = "least" if within else "most"
        share_direction = share["direction"] if share["direction"] in ("most", "least") else usual
        said = "at most" if share_direction == usual else "at least"
    elif statistic is None and _EVERY.search(text):
        statistic = "max"
    if statistic is None and not _LATENCY.search(text):
        notes.append("a time limit for what? Name the operation and say it is latency.")
        return None, said
    if statistic is None:
        notes.append("say which percentile (p95, p99): without one it reads as every single request.")
    elif statistic == "mean":
        notes.append("a mean hides the slow tail; latency targets are usually a high percentile.")
    return (f"{statistic} latency" if statistic else "latency"), f"{said} {_fmt(ms)} ms"


def measurable(requirement) -> Measurability:  # noqa: C901 - one rule per kind of unmeasurable wording
    """Find the metric, threshold and window (or load condition) in one requirement sentence.

    Numbers are normalised (latency in ms, windows in minutes, hours or days), so "0.3 s" and
    "300 ms" read the same, and so do the ways people say a percentile ("p95", "the 95th percentile",
    "95% of", "95 out of every 100"). It is a checklist, not a judge: a sentence can name all three parts
    and still be the wrong requirement.
    """
    if not isinstance(requirement, str):
        raise KitError(f"A requirement is one sentence of text (a str), not a {type(requirement).__name__}.")
    if not requirement.strip():
        raise KitError("The requirement is empty: write one sentence, such as 'p95 latency of POST /v1/payments "
                       "below 300 ms over any 28-day window'.")
    if len(requirement) > MAX_LENGTH:
        raise KitError(f"Give one requirement at a time (under {MAX_LENGTH} characters), not a whole document.")
    text = _normalise(requirement)
    notes: list[str] = []
    vague = [w for w in _VAGUE if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]

    rates = _rates(text)
    shares = [s for s in _shares(text) if not _overlaps(s["span"], [r["span"] for r in rates])]
    taken = [r["span"] for r in rates] + [s["span"] for s in shares]
    limits, windows = _times(text, taken)
    share = shares[0] if shares else None
    outcome = _OUTCOME.search(text)

    metric = threshold = same_as = None
    used: list[tuple[int, int]] = [r["span"] for r in rates]
    if limits:
        limit = limits[0]
        used.append(limit["span"])
        minutes = limit["count"] * _MS[limit["unit"]] / 60_000
        if _RECOVERY.search(text):
            metric, threshold = "recovery time", f"{_said(limit['direction'], 'most')} {_fmt(minutes)} min"
        elif _DATA_LOSS.search(text):
            metric, threshold = "data loss", f"{_said(limit['direction'], 'most')} {_fmt(minutes)} min"
        else:
            metric, threshold = _latency(limit, share, text, notes)
            if metric is None:
                threshold = None
    elif share is not None and outcome:
        pct = share["pct"]
        if outcome.group("bad"):
            said = _said(share["direction"], "most")
            metric, threshold = "error rate", f"{said} {_fmt(pct)}%"
            same_as = ("availability", f"{_flip(said)} {_fmt(100 - Fraction(pct))}%")
        else:
            metric, threshold = "availability", f"{_said(share['direction'], 'least')} {_fmt(pct)}%"
    elif rates:
        rate = rates[0]
        said = _said(rate["direction"], "least")
        if rate["cmp"] and " ".join(rate["cmp"].split()) == "up to":
            said = "at least"
            notes.append("'up to' reads as the load it must cope with; if you mean a limit it must not go over, "
                         "say 'at most'.")
        metric, threshold = "throughput", f"{said} {_fmt(rate['value'])} per {rate['per']}"
    elif share is not None:
        threshold = f"{_fmt(share['pct'])}%"
        notes.append("a percentage of what? Name what is counted: requests that succeed, errors, shops...")

    load = None
    if metric != "throughput" and rates:
        load = f"{_fmt(rates[0]['value'])} per {rates[0]['per']}"
    window = None
    free = [w for w in windows if w["count"] > 0 and not _overlaps(w["span"], used)]
    if free:
        window = _window_text(free[0]["count"], free[0]["unit"])
    else:
        rest = text
        for start, end in used + taken:
            rest = rest[:start] + " " * (end - start) + rest[end:]
        found = _PERIOD.search(rest) or _ADVERB.search(rest)
        if found:
            unit = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
                    "yearly": "year", "annually": "year"}.get(found.group(1), found.group(1))
            window = _window_text(1, unit)
    if window is None and load is not None:
        window = f"load of {load}"  # a load test is judged while the load lasts
    if metric is None and not notes:
        notes.append("no measurable quantity found: which number would tell you it is met?")
    return Measurability(requirement, metric, threshold, window, vague, notes, load=load, same_as=same_as)


@reports_progress("requirements")
def self_check(requirement, name: str) -> None:
    """Visible self-check: the requirement names a metric, a threshold and a window, and the check shows what it
    read in each (the percentile, the threshold and its direction, the window), so a misread is visible. It
    checks the form, not the values: the hidden tests compare them with the question's numbers."""
    if requirement is None or requirement is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: write your requirement as text in {name} and run the cell.")
    try:
        found = measurable(requirement)
    except KitError as exc:
        raise CheckFailed(f"{name}: {exc}") from None
    if found.missing:
        raise CheckFailed(f"{name} is not measurable yet: it has no {' and no '.join(found.missing)} "
                          f"({found._ADVICE[found.missing[0]]}).")
    lines = [f"✓ {name} is measurable. This is what the checklist reads in it:"]
    for row in found.rows():
        lines.append(f"    {row['part']:<10} {row['found']}" + (f"  ({row['note']})" if row["note"] else ""))
    lines += [f"    note: {note}" for note in found.notes]
    lines.append("  If that is not what the stakeholder asked for, reword the sentence. Hidden tests compare these "
                 "with the interview notes when graded.")
    print("\n".join(lines))


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
