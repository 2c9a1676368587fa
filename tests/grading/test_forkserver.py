"""Kernels forked from the worker's pre-imported server (autograder/forkserver.py) are as shut in as kernels
started anew: the same sandbox, no capabilities, nothing inherited from the grader, nothing left for the
next submission. Each probe is a real submission graded through `tpm-grade grade`'s own path.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.support import grading

SLOS = "07-slos"
MARK = "FORKPROBE:"

# What a learner's code can see of its own process. Printed as one JSON line for the test to read.
PROBE = """
import json, os, sys
preloaded = 'autograder.forkserver' in open('/proc/self/cmdline').read()   # forked from the server
import numpy
status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)
fds = {}
for fd in os.listdir('/proc/self/fd'):
    try:
        fds[fd] = os.readlink(f'/proc/self/fd/{fd}')
    except OSError:
        pass
facts = {
    "preloaded": preloaded, "uid": os.getuid(), "gid": os.getgid(), "cwd": os.getcwd(),
    "caps": {k: status[k].strip() for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')},
    "no_new_privs": status['NoNewPrivs'].strip(), "fds": fds, "env": sorted(os.environ),
    "random": float(numpy.random.rand()), "root": sorted(os.listdir('/')),
    "processes": sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
    "course_visible": os.path.exists(COURSE), "limits": open('/proc/self/limits').read(),
}
print(MARK + json.dumps(facts))
budget_errors = 21092
"""
# Leaves a process behind that would write into the next learner's world if it survived its sandbox.
LINGER = """
import subprocess
subprocess.Popen(['sh', '-c', 'sleep 300; echo late > /tmp/late'], start_new_session=True)
budget_errors = 21092
"""
# Kills every process it can see: the sandbox's init (the placeholder) is out of its reach, as bubblewrap's is for
# a kernel started anew, so the kernel and its sandbox stay up and the answer after it counts.
KILL_SANDBOX = """
import os, signal
for pid in sorted(int(p) for p in os.listdir('/proc') if p.isdigit()):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
budget_errors = 21092
"""


def _probe_outputs(course, student: str) -> dict:
    nb = json.loads((course / "autograded" / student / SLOS / f"{SLOS}.ipynb").read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            if MARK in text:
                return json.loads(text.split(MARK, 1)[1].splitlines()[0])
    raise AssertionError(f"{student}: the probe printed nothing")


def _grade(tmp_path, subs: dict, env_extra: dict | None = None):
    course = grading.make_course(tmp_path / "course", [SLOS])
    submitted = tmp_path / "submitted"
    for student, nb in subs.items():
        grading.write(nb, submitted, student, SLOS)
    old = {k: os.environ.get(k) for k in (env_extra or {})}
    os.environ.update(env_extra or {})
    try:
        rows = grading.run(course, [submitted], SLOS, tmp_path / "report.json", timeout=20, workers=1)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return course, rows


def _probe(course) -> str:
    return PROBE.replace("MARK", repr(MARK)).replace("COURSE", repr(str(course)))


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("fork")
    probe = _probe(base / "course")
    subs = {"a-probe": grading.submission(SLOS, {"q1-answer": probe}),
            "b-linger": grading.submission(SLOS, {"q1-answer": LINGER}),
            "c-kill-sandbox": grading.submission(SLOS, {"q1-answer": KILL_SANDBOX}),
            "d-probe": grading.submission(SLOS, {"q1-answer": probe})}
    course, rows = _grade(base, subs)
    return course, rows


def test_the_kernels_were_forked_pre_imported(forked):
    course, _ = forked
    assert _probe_outputs(course, "a-probe")["preloaded"] is True
    assert _probe_outputs(course, "d-probe")["preloaded"] is True


def test_a_forked_kernel_holds_no_capability_and_cannot_gain_one(forked):
    facts = _probe_outputs(forked[0], "a-probe")
    assert set(facts["caps"].values()) == {"0000000000000000"}, facts["caps"]
    assert facts["no_new_privs"] == "1"
    assert (facts["uid"], facts["gid"]) == (65534, 65534)


def test_a_forked_kernel_inherits_no_open_file_of_the_grader(forked):
    facts = _probe_outputs(forked[0], "a-probe")
    for fd, target in facts["fds"].items():
        if int(fd) <= 2:
            continue
        # Sockets, pipes and event descriptors of the kernel's own making, the listing's own descriptor, and
        # ipykernel's copies of its output (the grader's log of this kernel, as for a kernel started anew).
        assert target.startswith(("socket:", "pipe:", "anon_inode:")) or re.fullmatch(r"/proc/\d+/fd", target) or (
            target.endswith("/grader/k1/kernel.log")), (fd, target)
    assert facts["fds"]["0"] == "/dev/null"


def test_a_forked_kernel_sees_the_sandbox_and_only_the_sandbox(forked):
    course, _ = forked
    facts = _probe_outputs(course, "a-probe")
    assert facts["course_visible"] is False
    assert facts["cwd"].endswith("/sandbox/work")
    # Only its own sandbox's processes: the namespace's init, the placeholder, the kernel (and its threads' kin).
    assert max(facts["processes"]) < 50, facts["processes"]
    assert "unlimited" not in facts["limits"].split("Max processes")[1].splitlines()[0]
    env = set(facts["env"])
    assert {"TPMKIT_GRADING", "NBGRADER_EXECUTION", "HOME", "TMPDIR", "IPYTHONDIR"} <= env
    assert not env & {"TPM_GRADE_FORKSERVER", "PYTEST_CURRENT_TEST", "CI", "VIRTUAL_ENV"}, env


def test_each_forked_kernel_has_its_own_random_state(forked):
    course, _ = forked
    assert _probe_outputs(course, "a-probe")["random"] != _probe_outputs(course, "d-probe")["random"]


def test_nothing_a_learner_started_outlives_the_submission(forked):
    _, rows = forked
    assert rows["b-linger"]["score"] == rows["a-probe"]["score"]
    left = subprocess.run(["pgrep", "-f", "sleep 300; echo late"], capture_output=True, text=True).stdout.split()
    assert left == [], left


def test_killing_every_process_it_can_leaves_its_sandbox_standing(forked):
    _, rows = forked
    assert rows["c-kill-sandbox"]["score"] == rows["a-probe"]["score"] > 0
    assert rows["d-probe"]["score"] == rows["a-probe"]["score"]


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    grading.require_sandbox()
    base = tmp_path_factory.mktemp("plain")
    course, _ = _grade(base, {"probe": grading.submission(SLOS, {"q1-answer": _probe(base / "course")})},
                       {"TPM_GRADE_FORKSERVER": "0"})
    return _probe_outputs(course, "probe")


def test_the_plain_start_is_still_there_and_is_not_pre_imported(plain):
    assert plain["preloaded"] is False
    # The same kinds of open files as a forked kernel has: its own output log, sockets, pipes.
    assert any(target.endswith("/grader/k1/kernel.log") for target in plain["fds"].values())


def test_a_forked_kernel_sees_what_a_kernel_started_anew_sees(forked, plain):
    facts = _probe_outputs(forked[0], "a-probe")
    for key in ("uid", "gid", "caps", "no_new_privs", "env", "root"):
        assert facts[key] == plain[key], key

    def limits(text: str) -> list[str]:   # the process limit counts the user's processes at the start: it varies
        return [line for line in text.splitlines() if not line.startswith("Max processes")]

    assert limits(facts["limits"]) == limits(plain["limits"])
