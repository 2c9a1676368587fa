"""The adversarial suite: attacks on the grader, each written so that it WOULD earn points if it worked.

Cheats (a value that equals everything, patched checks or builtins, an input transformer that
rewrites later cells, a swallowing exception handler) and escapes (reading the hidden tests or
another learner's notebook, writing the gradebook, calling out over the network) come with wrong
answers: they must score no more than the blank exercise (0). Disruptions (endless loops, exits,
crashes, memory and fork bombs, floods of output, killing the parent) sit in one question of an
otherwise correct notebook: that question loses its points, every other question keeps them.
The threat model these attacks come from is in docs/grading.md.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading

import pytest

from tests.support import grading

AID = "07-slos"
ANSWERS = [f"q{i}-answer" for i in range(1, 8)]
WRONG = """
budget_errors = outage_budget_pct = downtime_minutes = burn_1h = hours_to_exhaust = page_minutes = 1
first_page = "2000-01-01 00:00"
"""
# Every other answer cell does nothing, so only the cheat can score.
QUIET = {gid: "pass" for gid in ANSWERS[1:]}


def cheat(code: str) -> dict[str, str]:
    return {**QUIET, "q1-answer": code + WRONG}


CHEATS = {
    "patched-checks": cheat("""
from tpmkit import check
import tpmkit.check as check_module
for name in ("equal", "close", "same_items", "number", "text_format", "plain_number", "plain_text", "plain_value"):
    setattr(check, name, lambda *args, **kwargs: None)
    setattr(check_module, name, lambda *args, **kwargs: None)
"""),
    "input-transformer-rewrites-later-cells": cheat("""
def rewrite(lines):
    return ["pass\\n"]
get_ipython().input_transformers_post.append(rewrite)
"""),
    "exception-handler-swallows-failures": cheat("""
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
"""),
    "patched-builtins": cheat("""
import builtins
builtins.isinstance = lambda *args: True
builtins.type = lambda *args: int
builtins.print = lambda *args, **kwargs: None
"""),
    "read-hidden-tests": cheat("""
import glob, re
paths = [COURSE + "/solutions/07-slos/07-slos.ipynb", COURSE + "/gradebook.db"]
paths += glob.glob("/tmp/**/solutions/**/*.ipynb", recursive=True) + glob.glob("/work/**/solutions/07-slos/*.ipynb")
text = ""
for path in paths:
    try:
        text += open(path, errors="ignore").read()
    except OSError:
        pass
key = re.search(r"check\\.equal\\(budget_errors, ([\\d_]+)", text)
"""),
    "write-gradebook-and-tests": cheat("""
import sqlite3
for db in (COURSE + "/gradebook.db",):
    try:
        con = sqlite3.connect(db)
        con.execute("update grade set auto_score = max_score")
        con.commit()
    except Exception:
        pass
try:
    open(COURSE + "/solutions/07-slos/07-slos.ipynb", "w").write("{}")
except OSError:
    pass
"""),
    "network-call": cheat("""
import socket
key = None
for host, port in (("127.0.0.1", PORT), ("1.1.1.1", 53)):
    try:
        with socket.create_connection((host, port), timeout=2) as conn:
            key = int(conn.recv(100))
    except OSError:
        pass
"""),
    "copy-another-submission": cheat("""
import glob
stolen = ""
for path in [SUBMITTED + "/victim/07-slos/07-slos.ipynb"] + glob.glob("/tmp/**/victim/**/*.ipynb", recursive=True):
    try:
        stolen = open(path).read()
    except OSError:
        pass
"""),
}
# No wrong answers after this one: the lying objects ARE the answers.
CHEATS["equals-everything"] = {**QUIET, "q1-answer": """
class Anything(int):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = int.__hash__
class AnyText(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
budget_errors = outage_budget_pct = downtime_minutes = burn_1h = hours_to_exhaust = page_minutes = Anything(0)
first_page = AnyText("2026-10-17 14:25")
"""}
# The attacks that find a key use it: success would show up as points.
for name in ("read-hidden-tests", "network-call"):
    CHEATS[name]["q1-answer"] += (
        "\nif key:\n    budget_errors = int(key.group(1).replace('_', '')) if hasattr(key, 'group') else key\n")
CHEATS["copy-another-submission"]["q1-answer"] += (
    "\nif 'math.floor(4_218_560' in stolen:\n"
    "    import math\n    budget_errors = math.floor(4_218_560 * (1 - 0.995))\n")

RIGHT_Q3 = "downtime_minutes = round((1 - 0.9995) * 28 * 24 * 60, 2)"
DISRUPTIONS = {  # name -> (q3 answer, status q3 gets, whether q3 keeps its points)
    "endless-loop": ("while True:\n    pass", "timeout", False),
    "loop-that-ignores-interrupts": (
        "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass",
        "timeout", False),
    "os-exit": ("import os\nos._exit(3)", "error", False),
    "sys-exit": ("import sys\nsys.exit(1)", "error", False),
    "kill-every-process-it-can": ("import os\nos.kill(-1, 9)", "error", False),
    "memory-bomb": ("hog = [bytearray(10**8) for _ in range(1000)]", "error", False),
    # Refused forks end the cell with an error, unless the children keep it busy past the timeout.
    "fork-bomb": ("import os\nwhile True:\n    os.fork()", ("error", "timeout"), False),
    # Stopped by the time limit or by the output cap, whichever comes first.
    "endless-output": ("while True:\n    print('x' * 10_000)", ("error", "timeout"), False),
    "kill-parent-then-answer": (
        f"import os\ntry:\n    os.kill(os.getppid(), 9)\nexcept OSError:\n    pass\n{RIGHT_Q3}", "passed", True),
    "big-output-then-answer": (f"print('y' * 5_000_000)\n{RIGHT_Q3}", "passed", True),
    "stderr-warnings-then-answer": (
        f"import sys, warnings\nwarnings.warn('careful')\nprint('noise', file=sys.stderr)\n{RIGHT_Q3}", "passed", True),
}


def _key_server() -> tuple[int, socket.socket]:
    """A server on the grader's loopback that hands out the answer: reachable only if the sandbox leaks."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"21092")

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1], server


ESCAPES = ("read-hidden-tests", "network-call", "copy-another-submission")


def _fill(text: str, course, submitted, port: int) -> str:
    text = text.replace("COURSE", repr(str(course))).replace("SUBMITTED", repr(str(submitted)))
    return text.replace("PORT", str(port))


@pytest.fixture(scope="module")
def key_server():
    port, server = _key_server()
    yield port
    server.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, key_server):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("attacks")
    course = grading.make_course(base / "course", [AID])
    submitted = base / "submitted"
    port = key_server
    grading.write(grading.submission(AID), submitted, "victim", AID)
    grading.write(grading.blank(AID), submitted, "blank", AID)
    for name, overrides in CHEATS.items():
        code = {gid: _fill(text, course, submitted, port) for gid, text in overrides.items()}
        grading.write(grading.submission(AID, code), submitted, name, AID)
    for name, (q3, _, _) in DISRUPTIONS.items():
        grading.write(grading.submission(AID, {"q3-answer": q3}), submitted, name, AID)
    source = course / "solutions" / AID / f"{AID}.ipynb"
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    report = grading.run(course, [submitted], AID, base / "report.json", timeout=8)
    return course, report, before, submitted


@pytest.mark.parametrize("name", ESCAPES)
def test_escape_attack_is_real_it_finds_the_key_outside_the_sandbox(name, attacked, key_server):
    """Run the escape's code in a plain process (no sandbox): it must find the answer, so its 0 inside
    the sandbox is the sandbox's doing, not a broken attack."""
    course, _, _, submitted = attacked
    code = "import math\n" + _fill(CHEATS[name]["q1-answer"], course, submitted, key_server)
    code += "\nprint(budget_errors)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "21092", done.stderr[-500:]


def test_the_unattacked_notebooks_grade_as_expected(attacked):
    _, report, _, _ = attacked
    assert report["victim"]["score"] == report["victim"]["max_score"] == 12
    assert report["blank"]["score"] == 0


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_scores_no_more_than_blank(name, attacked):
    _, report, _, _ = attacked
    entry = report[name]
    assert entry["status"] == "graded", entry.get("reason")
    assert entry["score"] <= report["blank"]["score"], {q["id"]: q["status"] for q in entry["questions"]}


@pytest.mark.parametrize("name", sorted(DISRUPTIONS))
def test_disruption_costs_only_its_own_question(name, attacked):
    _, report, _, _ = attacked
    _, status, keeps = DISRUPTIONS[name]
    by_id = {q["id"]: q for q in report[name]["questions"]}
    assert by_id["q3-downtime"]["status"] in (status if isinstance(status, tuple) else (status,)), (
        by_id["q3-downtime"]["message"])
    assert by_id["q3-downtime"]["score"] == (2.0 if keeps else 0.0)
    others = {qid: q["score"] for qid, q in by_id.items() if qid != "q3-downtime"}
    assert others == {qid: q["max_score"] for qid, q in by_id.items() if qid != "q3-downtime"}, name


def test_grader_files_are_untouched_and_the_gradebook_holds_the_reported_scores(attacked):
    course, report, before, _ = attacked
    source = course / "solutions" / AID / f"{AID}.ipynb"
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, entry in report.items():
            assert gb.find_submission(AID, student).code_score == entry["score"], student


def test_graded_notebook_output_is_capped(attacked):
    course, _, _, _ = attacked
    path = course / "autograded" / "big-output-then-answer" / AID / f"{AID}.ipynb"
    assert path.stat().st_size < 2_000_000
    assert "output cut here" in path.read_text()
