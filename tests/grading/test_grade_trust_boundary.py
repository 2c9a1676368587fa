"""The grader's trust boundary (issue 13): what a learner controls never reaches privileged code,
never rebinds a name the course owns, never leaks a hidden input, and never stops the batch.

Each attack is a real submission graded through `tpm-grade grade`'s own code path in the sandbox.
Where the old behaviour can still be switched back on (the replica, the deferral of probing tests),
the same attack is graded with the defence off too, to show that it is real.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

from autograder import assignment, grade, plan, replica, runner, sandbox, trusted, worker
from autograder.errors import UsageError
from tests.support import grading

SLOS = "07-slos"
APIS = "06-apis"
WRONG = {"q1-answer": "budget_errors = 1", "q2-answer": "outage_budget_pct = 1"}


def _with_extra_cells(nb, after: str, sources: list[str], kind: str = "code"):
    """Cells a learner added after the answer cell `after`."""
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after)
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    nb.cells[index + 1:index + 1] = [make(s) for s in sources]
    return nb


SEND = """
_k = get_ipython().kernel
for _type, _content in MESSAGES:
    try:  # jupyter_client's Session only sends dict contents
        _k.session.send(_k.iopub_socket, _type, content=_content, parent=_k.get_parent())
    except TypeError:
        pass
"""
MALFORMED_MESSAGES = [
    ("error", {"ename": 5, "evalue": [1], "traceback": 7}),
    ("stream", {"name": 5, "text": [1, 2]}),
    ("display_data", {"data": "x", "metadata": 3}),
    ("display_data", {"data": {"text/plain": {"a": [1]}, "text/html": 7}}),
    ("execute_result", {"data": {"text/plain": "ok"}, "execution_count": "one"}),
    ("status", {"execution_state": 5}),
    ("clear_output", {"wait": "maybe"}),
    ("stream", {"name": "stdout", "text": "[" * 5000}),
]


def _raw_notebook_with_bad_cells() -> bytes:
    """A correct notebook whose JSON holds cells nbformat itself would refuse: they must cost nothing."""
    data = json.loads(nbformat.writes(grading.submission(SLOS)))
    data["cells"].insert(1, {"cell_type": "code", "source": [1], "metadata": {}, "outputs": [], "id": ["x"]})
    data["cells"].insert(2, {"cell_type": "markdown", "source": {"a": 1}, "metadata": [], "id": 7})
    data["cells"].insert(3, "not a cell")
    return json.dumps(data).encode()


SUBMISSIONS = {
    # 4. one notebook kills the batch: these come first, the good one last
    "nested-json": grading.submission(SLOS, {"q1-answer": (
        "import json\njson.dumps = lambda *a, **k: '[' * 200000 + ']' * 200000\nbudget_errors = 21092")}),
    "raw-display": grading.submission(SLOS, {"q1-answer": (
        "display({'text/plain': 5}, raw=True)\ndisplay({'text/html': ['<b>', 3]}, raw=True)\n"
        "budget_errors = 21092")}),
    "malformed-iopub": grading.submission(SLOS, {"q1-answer": (
        f"MESSAGES = {MALFORMED_MESSAGES!r}\n{SEND}\nbudget_errors = 21092")}),
    # 5. active content for the instructor's browser
    "xss": _with_extra_cells(
        _with_extra_cells(grading.submission(SLOS), "q1-answer", [
            "from IPython.display import HTML, SVG, Javascript, display\n"
            "display(HTML('<script>alert(\"XSS-2\")</script><b>bold</b>'))\n"
            "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(&quot;XSS-3&quot;)\"/>'))\n"
            "display(Javascript('alert(\"XSS-4\")'))"]),
        "q2-answer", ['<img src=x onerror=alert("XSS-1")> [click](javascript:alert("XSS-5"))'], kind="markdown"),
    # 2. code run at the next kernel start, before the grader connects (then the kernel is made to die)
    "startup-hijack": _with_extra_cells(grading.submission(SLOS), "q2-answer", [
        "import os, site, sys\n"
        "marker = os.path.join(os.getcwd(), 'HIJACKED')\n"
        "code = f'open({marker!r}, \"w\").close()\\n'\n"
        "targets = ['ipykernel_launcher.py', 'sitecustomize.py', 'usercustomize.py',\n"
        "           os.path.expanduser('~/.ipython/profile_default/startup/00-x.py'),\n"
        "           os.path.expanduser('~/.jupyter/jupyter_config.py'),\n"
        "           site.getusersitepackages() + '/usercustomize.py', site.getusersitepackages() + '/x.pth']\n"
        "for path in targets:\n"
        "    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)\n"
        "    open(path, 'w').write(code if not path.endswith('.pth') else 'import os; ' + code.replace('\\n', ''))\n"
        "os._exit(3)",
        "import os\nif os.path.exists('HIJACKED'):\n    outage_budget_pct = 0"]),
    # 2. the grader's own files are not where the learner can reach them
    "looks-for-grader-files": grading.submission(SLOS, {"q1-answer": (
        "import os\nfound = []\n"
        "for top in ('/', os.path.expanduser('~'), os.getcwd() + '/..'):\n"
        "    for root, dirs, files in os.walk(top):\n"
        "        if root.startswith(('/proc', '/sys', '/usr', '/dev')):\n"
        "            dirs[:] = []\n            continue\n"
        "        found += [f for f in files if f == 'kernel.log'\n"
        "                  or (f == 'connection.json' and os.access(os.path.join(root, f), os.W_OK))]\n"
        "budget_errors = 21092 if not found else 0")}),
    # Fontconfig: a plot must not print a warning into the graded notebook
    "plot": grading.submission(SLOS, {"q1-answer": (
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('plot.png')\nbudget_errors = 21092")}),
    # 8. output kept per submission is bounded
    "output-flood": _with_extra_cells(grading.submission(SLOS), "q7-answer", ["print('z' * 190_000)"] * 60),
    # course code may ask whether it is being autograded, as nbgrader's documentation suggests
    "asks-nbgrader-execution": grading.submission(SLOS, {"q1-answer": (
        "import os\nbudget_errors = 21092 if os.getenv('NBGRADER_EXECUTION') == 'autograde' else 0")}),
    "good": grading.submission(SLOS),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("trust")
    course = grading.make_course(base / "course", [SLOS])
    submitted = base / "submitted"
    for student, nb in SUBMISSIONS.items():
        grading.write(nb, submitted, student, SLOS)
    bad = submitted / "bad-cells" / SLOS / f"{SLOS}.ipynb"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(_raw_notebook_with_bad_cells())
    report = grading.run(course, [submitted], SLOS, base / "report.json", timeout=20)
    return course, report


def _autograded(course, student: str, aid: str = SLOS) -> str:
    return (course / "autograded" / student / aid / f"{aid}.ipynb").read_text()


def test_malformed_submissions_first_do_not_stop_the_batch(batch):
    _, report = batch
    assert set(report) == set(SUBMISSIONS) | {"bad-cells"}
    assert all(entry["status"] == "graded" for entry in report.values()), {
        s: e.get("reason") for s, e in report.items()}
    assert report["good"]["score"] == 12


@pytest.mark.parametrize("student", ["raw-display", "malformed-iopub", "bad-cells", "xss", "plot"])
def test_malformed_output_or_cells_cost_nothing(batch, student):
    _, report = batch
    assert report[student]["score"] == 12, {q["id"]: q["message"] for q in report[student]["questions"]}


def test_a_patched_json_costs_only_the_answers_it_hides(batch):
    _, report = batch
    by_id = {q["id"]: q for q in report["nested-json"]["questions"]}
    assert report["nested-json"]["status"] == "graded"
    assert by_id["q1-budget"]["status"] != "passed"  # its value could not be read: no points, and no crash


class _Active(HTMLParser):
    """Learner markers found where a browser would run them: event handlers, script bodies, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found, self.script = [], False

    def handle_starttag(self, tag, attrs):
        self.script = tag == "script"
        for name, value in attrs:
            value = (value or "").lower()
            if "xss" in value and (name.startswith("on") or value.strip().startswith("javascript:")):
                self.found.append(f"<{tag} {name}>")

    def handle_data(self, data):
        if self.script and "XSS" in data:
            self.found.append("<script> body")


def test_learner_html_is_inert_where_the_instructor_renders_it(batch):
    """Rendered the way `nbgrader generate_feedback` renders an autograded notebook (nbconvert's HTML)."""
    course, _ = batch
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(
        nbformat.reads(_autograded(course, "xss"), as_version=4))
    parser = _Active()
    parser.feed(page)
    assert parser.found == []
    assert "<b>bold</b>" in page  # plain formatting stays
    assert "application/javascript" not in _autograded(course, "xss")


def test_code_left_for_the_next_kernel_start_never_runs(batch):
    _, report = batch
    by_id = {q["id"]: q for q in report["startup-hijack"]["questions"]}
    assert by_id["q2-outage"]["status"] == "passed", by_id["q2-outage"]["message"]


def test_the_startup_hijack_is_real_without_isolation(tmp_path):
    """Python started the way the grader used to start kernels (-m from the learner's folder) runs the
    learner's ipykernel_launcher.py; with -I, as now, it does not."""
    (tmp_path / "ipykernel_launcher.py").write_text("open('HIJACKED', 'w').close()\n")
    subprocess.run([sys.executable, "-m", "ipykernel_launcher", "--help"], cwd=tmp_path, capture_output=True,
                   timeout=60)
    assert (tmp_path / "HIJACKED").exists()
    (tmp_path / "HIJACKED").unlink()
    subprocess.run([sys.executable, "-I", "-m", "ipykernel_launcher", "--help"], cwd=tmp_path, capture_output=True,
                   timeout=60)
    assert not (tmp_path / "HIJACKED").exists()


def test_the_grader_files_are_out_of_reach(batch):
    _, report = batch
    assert report["looks-for-grader-files"]["score"] == 12


def test_the_kernel_says_it_is_autograding_as_nbgrader_does(batch):
    _, report = batch
    assert report["asks-nbgrader-execution"]["score"] == 12


def test_no_fontconfig_noise(batch):
    course, _ = batch
    assert "Fontconfig" not in _autograded(course, "plot")


def test_output_kept_per_submission_is_bounded(batch):
    course, report = batch
    path = course / "autograded" / "output-flood" / SLOS / f"{SLOS}.ipynb"
    assert path.stat().st_size < 10 * 1024**2
    assert report["output-flood"]["score"] == 12


def test_a_slow_submission_spends_its_budget_and_is_still_reported(tmp_path):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [SLOS])
    nb = _with_extra_cells(grading.submission(SLOS), "q3-answer", ["import time\ntime.sleep(1.5)"] * 12)
    grading.write(nb, tmp_path / "submitted", "slow", SLOS)
    report = grading.run(course, [tmp_path / "submitted"], SLOS, tmp_path / "r.json", timeout=5, budget=8)
    by_id = {q["id"]: q for q in report["slow"]["questions"]}
    assert report["slow"]["status"] == "graded"
    assert by_id["q7-page-minutes"]["status"] == "timeout"
    assert "budget" in by_id["q7-page-minutes"]["message"]


def test_more_workers_than_uids_is_refused(tmp_path):
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [SLOS])
    grading.write(grading.submission(SLOS), tmp_path / "s", "a", SLOS)
    with pytest.raises(UsageError, match="at most 64"):
        grade.main(submissions=[tmp_path / "s"], assignment=SLOS, course=course, workers=65)


# -- 06: names the course owns, and hidden inputs ------------------------------------------------------

FORGED_SHOP = """
class _Forged:
    url, key = shop.url, shop.key
    def requests(self, path=None, method=None):
        return [{"n": i, "key": "k", "sent": float(i), "status": 200, "retry_after": None,
                 "path": f"/v1/reports/settlements/2026-0{i}", "method": "GET"} for i in range(1, 7)]
    def payments(self, order=None):
        return [{"amount": 2450, "id": "pay_00521", "order": "A-1042"}]
shop = _Forged()
"""
FORGERY = {"q3-answer": "pro_customers = 0", "q4-answer": FORGED_SHOP + "total_net = 33_925_234",
           "q5-answer": "payment_id = 'pay_00521'"}
# Records every input the tests hand it, then a later cell of the learner's prints them.
RECORDER = """
SEEN = []
def is_genuine(body, header, secret, now):
    SEEN.append([body, header, now])
    return False
"""
HIDDEN_ONLY = "evt_00031"  # appears only in the hidden part of q6's test


def _in_process(aid: str, nb, scratch) -> dict:
    """Grade one notebook in this process, the way a worker does, so a defence can be switched off here."""
    asg = assignment.load(grading.ROOT, aid)
    result = runner.grade(asg, "x", f"{aid}.ipynb", nbformat.writes(nb).encode(), scratch_root=scratch, slot=0,
                          timeout=30, use_sandbox=True)
    return {**result.as_dict(), "autograded": nbformat.writes(result.autograded)}


@pytest.fixture(scope="module")
def apis(tmp_path_factory):
    """06 graded through tpm-grade as it is now, and in this process with the two defences switched off."""
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("apis")
    notebooks = {"blank": grading.blank(APIS), "forger": grading.submission(APIS, FORGERY),
                 "leaker": grading.submission(APIS, {"q6-answer": RECORDER, "q7-answer": grading.answer(
                     APIS, "q7-answer") + "\nprint(SEEN)"})}
    for student, nb in notebooks.items():
        grading.write(nb, base / "submitted", student, APIS)
    now = grading.run(grading.make_course(base / "now", [APIS]), [base / "submitted"], APIS, base / "now.json",
                      timeout=30)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(replica, "needed", lambda asg: frozenset())          # the course's names fetched from the kernel
        mp.setattr(trusted.CompiledTest, "probing", property(lambda self: False))  # tests run in place
        before = {student: _in_process(APIS, nb, base / "before") for student, nb in notebooks.items()
                  if student != "blank"}
    return base, now, before


FORGED = ("q4-reports", "q5-payment")  # graded on the server's record, which the forged `shop` fakes


def test_a_forged_course_object_earned_points_without_the_replica(apis):
    _, _, before = apis
    assert all(grading.scores(before["forger"])[q] > 0 for q in FORGED)


def test_a_forged_course_object_earns_nothing(apis):
    _, now, _ = apis
    forged = {q: grading.scores(now["forger"])[q] for q in FORGED}
    assert forged == {q: grading.scores(now["blank"])[q] for q in FORGED} == {q: 0 for q in FORGED}


def test_hidden_test_inputs_leaked_when_tests_ran_in_place(apis):
    _, _, before = apis
    assert HIDDEN_ONLY in before["leaker"]["autograded"]


def test_hidden_test_inputs_never_reach_the_graded_notebook_or_report(apis):
    base, now, _ = apis
    assert HIDDEN_ONLY not in _autograded(base / "now", "leaker", APIS)
    assert HIDDEN_ONLY not in json.dumps(now["leaker"])
    assert now["leaker"]["status"] == "graded"


# -- the worker, git repositories, and fuzzing --------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader started as root has privileges to drop")
def test_the_grading_worker_is_unprivileged_and_sees_no_course():
    """As root, the grading work runs in a jail as an unprivileged uid that cannot see the course, even where
    permissions would let it: shown by the same probe run without the course hidden."""
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        os.chmod(top, 0o755)   # readable by anyone: only the jail can hide it
        course = grading.make_course(top / "course", [SLOS])
        own = top / "own"
        own.mkdir()
        uid = sandbox.sandbox_uid(0)
        os.chown(own, uid, uid)
        _, visible = worker.view()
        probe = ("import os, sys\nprint(os.getuid(), os.geteuid(), sorted(os.listdir(sys.argv[1])))\n"
                 "try:\n    os.setuid(0)\nexcept PermissionError:\n    print('cannot become root')\n")

        def run(hide):
            return subprocess.run([*worker.jail_command(uid, own, hide, visible), sys.executable, "-I", "-c", probe,
                                   str(course)], capture_output=True, text=True, timeout=60)

        jailed, open_view = run([Path("/root"), course]), run([Path("/root")])
    assert jailed.stdout.splitlines() == [f"{uid} {uid} []", "cannot become root"], jailed.stderr[-500:]
    assert open_view.stdout.splitlines()[0] == f"{uid} {uid} ['exercises', 'solutions']", open_view.stderr[-500:]


GIT_ATTACK = """
import os, subprocess
marker = MARKER
repo = repo_path
config = open(os.path.join(repo, ".git", "config")).read()
config += (f"[core]\\n\\tfsmonitor = touch {marker}\\n\\trepositoryformatversion = 1\\n"
           f"[remote \\"origin\\"]\\n\\tuploadpack = touch {marker}\\n\\tpromisor = true\\n"
           f"[extensions]\\n\\tpartialclone = origin\\n[core]\\n\\thooksPath = /nonexistent\\n")
open(os.path.join(repo, ".git", "config"), "w").write(config)
"""


def test_a_hostile_git_config_runs_nothing_in_the_grader(tmp_path):
    grading.require_sandbox()
    marker = Path("/tmp") / f"tpm-git-attack-{os.getpid()}"
    course = grading.make_course(tmp_path / "course", ["02-pull-requests"])
    answer = grading.answer("02-pull-requests", "q4-answer") + GIT_ATTACK.replace("MARKER", repr(str(marker)))
    nb = grading.submission("02-pull-requests", {"q4-answer": answer})
    grading.write(nb, tmp_path / "s", "attacker", "02-pull-requests")
    report = grading.run(course, [tmp_path / "s"], "02-pull-requests", tmp_path / "r.json", timeout=30)
    assert report["attacker"]["status"] == "graded"
    assert not marker.exists()


def _random_json(rng: random.Random, depth: int = 0):
    """Random JSON-like junk, nested at most four deep."""
    makers = [
        lambda: None, lambda: rng.randrange(-9, 10**6), lambda: rng.random(), lambda: rng.choice([True, False]),
        lambda: "".join(rng.choice("ab<>\x00\u2028{}[]") for _ in range(rng.randrange(12))),
        lambda: [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))],
        lambda: {rng.choice(["data", "text", "name", "ename", "traceback", "metadata", "x"]):
                 _random_json(rng, depth + 1) for _ in range(rng.randrange(4))},
        lambda: {"text/plain": _random_json(rng, depth + 1), "image/png": "!!", "text/html": "<b onclick=x>"},
    ]
    return rng.choice(makers if depth < 4 else makers[:5])()


def test_fuzz_random_kernel_messages_through_the_real_path(tmp_path):
    """A learner kernel sends 300 random, malformed messages on its output channel: the grader keeps going."""
    grading.require_sandbox()
    rng = random.Random(13)
    kinds = ["stream", "display_data", "execute_result", "error", "status", "clear_output", "update_display_data",
             "comm_open", "x"]
    messages = [(rng.choice(kinds), _random_json(rng) if rng.random() < 0.3 else {
        k: _random_json(rng) for k in rng.sample(["name", "text", "data", "metadata", "ename", "evalue", "traceback",
                                                  "execution_state", "execution_count"], 3)}) for _ in range(300)]
    code = f"MESSAGES = {messages!r}\n{SEND}\nbudget_errors = 21092"
    course = grading.make_course(tmp_path / "course", [SLOS])
    grading.write(grading.submission(SLOS, {"q1-answer": code}), tmp_path / "s", "fuzz", SLOS)
    report = grading.run(course, [tmp_path / "s"], SLOS, tmp_path / "r.json", timeout=30)
    assert report["fuzz"]["status"] == "graded"
    assert report["fuzz"]["score"] == 12, {q["id"]: q["message"] for q in report["fuzz"]["questions"]}


def _mutate(rng: random.Random, data: dict) -> dict:
    cells = data["cells"]
    for _ in range(rng.randrange(1, 6)):
        i = rng.randrange(len(cells))
        field = rng.choice(["source", "id", "metadata", "cell_type", "outputs", "whole"])
        if field == "whole":
            cells[i] = _random_json(rng)
        elif isinstance(cells[i], dict):
            cells[i][field] = _random_json(rng)
    return data


def test_fuzz_malformed_notebooks_never_raise_in_the_plan():
    """2,000 mutated notebooks through the code that reads a submission and plans what runs."""
    asg = assignment.load(grading.ROOT, SLOS)
    good = json.loads(nbformat.writes(grading.submission(SLOS)))
    rng = random.Random(7)
    for _ in range(2000):
        data = _mutate(rng, json.loads(json.dumps(good)))
        cells, reason = runner.read_cells(json.dumps(data).encode())
        if cells is not None:
            plan.build(asg, cells)


def test_fuzz_malformed_notebooks_through_the_real_path(tmp_path):
    """A batch of mutated notebooks, then a good one: each is graded or ungradable with a reason; the good one
    gets full marks and the report holds every one."""
    grading.require_sandbox()
    course = grading.make_course(tmp_path / "course", [SLOS])
    good = json.loads(nbformat.writes(grading.submission(SLOS)))
    rng = random.Random(11)
    for n in range(6):
        path = tmp_path / "s" / f"m{n}" / SLOS / f"{SLOS}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(_mutate(rng, json.loads(json.dumps(good)))))
    grading.write(grading.submission(SLOS), tmp_path / "s", "zz-good", SLOS)
    report = grading.run(course, [tmp_path / "s"], SLOS, tmp_path / "r.json", timeout=30)
    assert len(report) == 7
    assert all(e["status"] == "graded" or e["reason"] for e in report.values())
    assert report["zz-good"]["score"] == 12


def test_a_worker_that_dies_costs_only_its_submission(tmp_path):
    """A worker killed mid-submission raises WorkerDied (with the reason); the same handle then grades the next one."""
    grading.require_sandbox()
    asg = assignment.load(grading.ROOT, SLOS)
    own = tmp_path / "own"
    own.mkdir(mode=0o700)
    uid = sandbox.sandbox_uid(0) if os.geteuid() == 0 else None
    if uid is not None:
        os.chown(own, uid, uid)
    hide, visible = worker.view(tmp_path)   # as tpm-grade does: the batch folder is hidden but for its own part
    handle = worker.Worker({"root": str(own / "s"), "slot": 0, "use_sandbox": True}, uid=uid, own=own, hide=hide,
                           visible=visible)
    handle.begin({asg.notebook: asg}, timeout=60, budget=120)
    slow = nbformat.writes(_with_extra_cells(grading.submission(SLOS), "q1-answer",
                                             ["import time\ntime.sleep(40)"])).encode()
    killer = threading.Timer(8, lambda: os.killpg(handle.proc.pid, 9))
    killer.start()
    try:
        with pytest.raises(worker.WorkerDied, match="ended while grading"):
            handle.grade("slow", asg.notebook, slow, {}, wait=120)
        answer = handle.grade("good", asg.notebook, nbformat.writes(grading.submission(SLOS)).encode(), {}, wait=120)
    finally:
        killer.cancel()
        handle.close()
    assert runner.Result.from_worker(answer, asg, "good", "good.ipynb").score == 12


def test_the_main_process_believes_a_worker_only_as_far_as_the_assignment_allows():
    """A worker's answer claiming more points than a question has, an unknown question, or other maximum
    scores is not recorded as given."""
    asg = assignment.load(grading.ROOT, SLOS)
    honest = {"status": "graded", "autograded": nbformat.writes(grading.blank(SLOS)),
              "questions": [{"id": q.id, "score": 0.0, "status": "failed", "message": "no", "mode": "grader"}
                            for q in asg.questions if not q.manual],
              "manual_questions": [{"id": q.id, "max_score": 999, "answered": True} for q in asg.questions if q.manual]}
    result = runner.Result.from_worker(honest, asg, "a", "a.ipynb")
    assert result.status == "graded"
    assert [m["max_score"] for m in result.manual] == [q.points for q in asg.questions if q.manual]
    greedy = json.loads(json.dumps(honest))
    greedy["questions"][0]["score"] = 1_000
    unknown = json.loads(json.dumps(honest))
    unknown["questions"][0]["id"] = "q99"
    elsewhere = json.loads(json.dumps(honest))   # where a test ran is the assignment's to say, not the worker's
    elsewhere["questions"][0]["mode"] = "kernel"
    for answer in (greedy, unknown, elsewhere, {"status": "graded"}, [], {"status": "graded", **{"questions": "x"}}):
        assert runner.Result.from_worker(answer, asg, "a", "a.ipynb").status == "ungradable"
