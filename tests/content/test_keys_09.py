"""Exercise 09-architecture-and-nfrs: every hidden key recomputed here with exact fractions and plain
reference code (not tpmkit.capacity), cross-checked against the curriculum brief's facts (86,400 seconds a
day, the cache and database-load formulas, ISO/IEC 25010:2023's nine characteristics, the OWASP Top 10:2021),
and the lesson's numeric quiz answers and their diagnosed wrong values recomputed the same way."""

from __future__ import annotations

from fractions import Fraction

import yaml

from autograder import misconceptions
from tests.support import ROOT
from tests.support.keys import assert_keys, hidden_keys
from tpmkit import quality

AID = "09-architecture-and-nfrs"
SECONDS_PER_DAY = 24 * 60 * 60
GB, GIB, TB, TIB = 10**9, 2**30, 10**12, 2**40

# The curriculum brief, word for word: the nine 2023 characteristics and the 2021 OWASP categories.
BRIEF_ISO = ["Functional suitability", "Performance efficiency", "Compatibility", "Interaction capability",
             "Reliability", "Security", "Maintainability", "Flexibility", "Safety"]
BRIEF_OWASP = {
    "A01": "Broken Access Control", "A02": "Cryptographic Failures", "A03": "Injection",
    "A04": "Insecure Design", "A05": "Security Misconfiguration", "A06": "Vulnerable and Outdated Components",
    "A07": "Identification and Authentication Failures", "A08": "Software and Data Integrity Failures",
    "A09": "Security Logging and Monitoring Failures", "A10": "Server-Side Request Forgery",
}


def pct(text: str) -> Fraction:
    return Fraction(text.rstrip("%")) / 100


def ceil_div(a: Fraction, b: Fraction) -> int:
    """Whole servers that carry a: -(-a // b), exactly."""
    return -(-a // b)


def peak(daily: int, factor: int, seconds: int = SECONDS_PER_DAY) -> Fraction:
    return Fraction(daily, seconds) * factor


def servers(peak_rps: Fraction, per_server: int, utilisation: Fraction) -> int:
    return ceil_div(peak_rps, per_server * utilisation)


def read_ms(h: Fraction, cache: int, database: int) -> Fraction:
    """The stated model: a hit costs the lookup; a miss costs the lookup and the database read."""
    return h * cache + (1 - h) * (cache + database)


def db_reads(h: Fraction, rate: int) -> Fraction:
    return (1 - h) * rate


def drain_minutes(base: int, rush: int, rush_minutes: int, workers: int) -> int:
    """Minute-by-minute queue, by hand: minutes after the rush until the backlog is empty."""
    backlog = 0
    for _ in range(rush_minutes):
        backlog = max(backlog + rush - workers, 0)
    minutes = 0
    while backlog > 0:
        backlog = max(backlog + base - workers, 0)
        minutes += 1
    return minutes


# Why each Greengage requirement sits where it does: the question from the lesson that settles it.
REQUIREMENTS = {
    "R1": ("time at a stated load", "performance efficiency"),
    "R2": ("succeeds over a window", "reliability"),
    "R3": ("who may do what, and a record of it", "security"),
    "R4": ("can the intended people use it", "interaction capability"),  # was usability (2011)
    "R5": ("runs in other environments", "flexibility"),                 # was portability (2011)
    "R6": ("exchanges data with another system", "compatibility"),
    "R7": ("how easily the team changes it", "maintainability"),
    "R8": ("avoids harm to people", "safety"),                           # new in 2023
}
# Each loyalty-design statement: the OWASP Top 10:2021 category by NAME (or None for good practice).
DESIGN = {
    "D1": "Broken Access Control",                 # logged in, but may read any customer's points
    "D2": None,                                    # slow salted password hashes: good practice
    "D3": "Injection",
    "D4": "Cryptographic Failures",                # no TLS in transit, on a shared network
    "D5": None,                                    # secrets manager: good practice
    "D6": "Vulnerable and Outdated Components",
    "D7": "Security Logging and Monitoring Failures",
    "D8": "Server-Side Request Forgery",
}
CODE_OF = {name: code for code, name in BRIEF_OWASP.items()}


def expected_keys() -> dict[str, object]:
    q1 = peak(43_200_000, 4)
    return {
        "q1-peak": int(round(q1)),
        "q2-servers": servers(q1, 180, pct("70%")),
        "q3-storage": round(float(Fraction(10_800_000 * 365 * 5_000, TIB)), 2),
        "q4-cache-latency": round(float(read_ms(pct("95%"), 2, 30)), 2),
        "q5-database-load": int(round(db_reads(pct("95%"), 1_600))),
        "q6-characteristics": {rid: name for rid, (_, name) in REQUIREMENTS.items()},
        "q7-security": {did: CODE_OF[name] if name else "none" for did, name in DESIGN.items()},
    }


def test_09_keys_are_recomputed():
    assert_keys(AID, expected_keys())


def test_09_keys_are_exact_where_the_prompt_says_so():
    assert peak(43_200_000, 4) == 2000                       # "rounded to a whole number": exact anyway
    assert db_reads(pct("95%"), 1_600) == 80
    assert read_ms(pct("95%"), 2, 30) == Fraction(7, 2)
    assert Fraction(2000) / (180 * pct("70%")) == Fraction(2000, 126)  # 15.87: not a whole number


def test_09_traps_give_different_answers():
    keys = hidden_keys(AID)
    q1 = peak(43_200_000, 4)
    # q1: 3,600 s, no peak factor (tolerance 0.5)
    assert abs(peak(43_200_000, 4, seconds=3_600) - keys["q1-peak"]) > Fraction(1, 2)
    assert abs(Fraction(43_200_000, SECONDS_PER_DAY) - keys["q1-peak"]) > Fraction(1, 2)
    # q2: planned to 100%, rounded down, sized for the average
    assert servers(q1, 180, Fraction(1)) != keys["q2-servers"]
    assert int(q1 / (180 * pct("70%"))) != keys["q2-servers"]
    assert servers(Fraction(43_200_000, SECONDS_PER_DAY), 180, pct("70%")) != keys["q2-servers"]
    # q3: TB instead of TiB, 5 KiB instead of 5,000 bytes, one day (tolerance 0.005)
    for wrong in (Fraction(10_800_000 * 365 * 5_000, TB), Fraction(10_800_000 * 365 * 5 * 1_024, TIB),
                  Fraction(10_800_000 * 5_000, TIB)):
        assert abs(round(float(wrong), 2) - keys["q3-storage"]) > 0.005
    # q4: hit ratio the wrong way round, no lookup cost on a miss (tolerance 0.005)
    wrong_way = pct("5%") * 2 + pct("95%") * 32
    no_lookup = pct("95%") * 2 + pct("5%") * 30
    for wrong in (wrong_way, no_lookup):
        assert abs(float(wrong) - keys["q4-cache-latency"]) > 0.005
    # q5: the hits counted as database reads (tolerance 0.5)
    assert abs(pct("95%") * 1_600 - keys["q5-database-load"]) > Fraction(1, 2)


def test_09_misconception_variants_compute_the_traps():
    """Each variant's code gives the wrong value this file predicts (so it models the misconception it names)."""
    variants = misconceptions.load(ROOT, AID)
    keys = hidden_keys(AID)
    names = {"peak_rps": "q1-peak", "servers": "q2-servers", "receipts_tib": "q3-storage",
             "settings_read_ms": "q4-cache-latency", "database_reads": "q5-database-load",
             "characteristics": "q6-characteristics", "security_review": "q7-security"}
    for variant in variants:
        scope: dict = {}
        exec(variant["code"], scope)  # noqa: S102 - the project's own test data
        (name,) = [n for n in names if n in scope]
        assert names[name] == variant["question"], variant["misconception"]
        assert scope[name] != keys[variant["question"]], variant["misconception"]


def test_09_brief_facts():
    # 86,400 seconds in a day, not 3,600.
    assert SECONDS_PER_DAY == 86_400
    # ISO/IEC 25010:2023: nine characteristics, as the brief lists them; old names are not among them.
    assert list(quality.CHARACTERISTICS) == [name.lower() for name in BRIEF_ISO]
    assert {"usability", "portability"}.isdisjoint(quality.CHARACTERISTICS)
    assert quality.RENAMED_IN_2023 == {"usability": "interaction capability", "portability": "flexibility"}
    # OWASP Top 10:2021, as the brief lists it.
    assert quality.OWASP_TOP_10 == BRIEF_OWASP and quality.OWASP_EDITION == "2021"
    # The keys use only names from those lists.
    keys = hidden_keys(AID)
    assert set(keys["q6-characteristics"].values()) <= set(quality.CHARACTERISTICS)
    assert set(keys["q7-security"].values()) <= set(BRIEF_OWASP) | {"none"}
    # Cache model: h x cache + (1 - h) x (cache + database) equals hit time + miss rate x miss penalty.
    for h in (pct("0%"), pct("80%"), pct("95%"), pct("100%")):
        assert read_ms(h, 2, 30) == 2 + (1 - h) * 30


def test_09_quiz_answers_are_recomputed():
    quiz = {q["id"]: q for q in yaml.safe_load((ROOT / "course" / f"{AID}.quiz.yaml").read_text())}

    def right(qid: str, value) -> None:
        question = quiz[qid]
        assert abs(Fraction(str(question["answer"])) - Fraction(value)) <= Fraction(str(question.get("tolerance", 0)))

    def diagnosed(qid: str) -> set[float]:
        return {float(m["value"]) for m in quiz[qid]["misconceptions"]}

    right("cache-latency", read_ms(pct("80%"), 1, 40))
    assert {float(pct("20%") * 1 + pct("80%") * 41), float(pct("80%") * 1 + pct("20%") * 40)} <= diagnosed(
        "cache-latency")
    right("hit-ratio-ten-x", db_reads(pct("99%"), 10_000))
    assert db_reads(pct("90%"), 10_000) == 1_000  # the prompt's own figure
    assert float(pct("99%") * 10_000) in diagnosed("hit-ratio-ten-x")
    right("queue-drain", drain_minutes(base=200, rush=800, rush_minutes=15, workers=500))
    assert {4_500 / 500, 800 * 15 / 500} <= diagnosed("queue-drain")
    q_peak = peak(17_280_000, 5)
    right("servers-round-up", servers(q_peak, 120, pct("75%")))
    assert {servers(q_peak, 120, Fraction(1)), int(q_peak / (120 * pct("75%"))),
            servers(Fraction(17_280_000, SECONDS_PER_DAY), 120, pct("75%")),
            servers(peak(17_280_000, 5, seconds=3_600), 120, pct("75%"))} <= diagnosed("servers-round-up")
    right("gib", Fraction(round(float(Fraction(500 * GB, GIB)), 1)))
    assert round(500 * GIB / GB, 1) in diagnosed("gib")


def test_09_lesson_queue_matches_a_hand_count():
    # The lesson's picture: 300 a minute, 900 for 10 minutes, workers 600: backlog 3,000, clear 10 minutes later.
    assert drain_minutes(base=300, rush=900, rush_minutes=10, workers=600) == 10
