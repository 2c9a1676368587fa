"""Exercise 02's hidden keys, recomputed with reference code of this test's own: plain git commands
run directly (never through the sandbox's API), plain Python over the pull request rows, and the
git docs' commit counts. A change to a planted repository or the data cannot silently break a key."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
from pathlib import Path

import pytest

from autograder import notebooks
from tests.support import ROOT
from tests.support.keys import hidden_keys
from tpmkit import git_sandbox
from tpmkit.data import pull_requests

AID = "02-pull-requests"


def git(path: str, *args: str, check: bool = True) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C",
               GIT_AUTHOR_NAME="Reference", GIT_AUTHOR_EMAIL="ref@example.com",
               GIT_COMMITTER_NAME="Reference", GIT_COMMITTER_EMAIL="ref@example.com")
    done = subprocess.run(["git", "-C", path, "-c", f"core.hooksPath={os.devnull}", *args], env=env,
                          capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {args}: {done.stderr}")
    return done.stdout


def prompt(grade_id: str) -> str:
    nb = notebooks.read(ROOT / "solutions" / AID / f"{AID}.ipynb")
    return next(c.source for c in nb.cells if notebooks.nbgrader_id(c) == grade_id)


@pytest.fixture(scope="module")
def keys() -> dict:
    return hidden_keys(AID)


def test_every_autograded_question_has_its_key(keys):
    assert set(keys) == {"q1-workflow", "q2-commits", "q3-merge-base", "q4-conflict", "q5-cycle-time"}


def test_q1_workflow_is_the_only_order_the_rules_allow(keys):
    # Each step and what must have happened before it (the prompt: protected main, reviews after green CI).
    needs = {"branch": [], "commit": ["branch"], "push": ["commit"], "open": ["push"], "ci": ["open"],
             "approve": ["ci"], "merge": ["ci", "approve"], "delete": ["merge"]}
    order, left = [], dict(needs)
    while left:
        ready = [step for step, before in left.items() if all(b in order for b in before)]
        assert len(ready) == 1, f"the rules leave a choice between {ready}: the key would be ambiguous"
        order.append(ready[0])
        del left[ready[0]]
    assert keys["q1-workflow"] == order
    assert order.index("merge") > order.index("ci") and order.index("merge") > order.index("approve")


def test_q2_commit_counts_follow_the_git_docs_and_real_git(keys):
    n = 5
    assert keys["q2-commits"] == {"merge": n + 1, "squash": 1, "rebase": n}
    assert keys["q2-commits"] == {"merge": 6, "squash": 1, "rebase": 5}   # the curriculum brief's figures
    unmerged = git_sandbox.merge_demo(None, commits=n)
    before = int(git(unmerged.path, "rev-list", "--count", "main"))
    for method, added in keys["q2-commits"].items():
        repo = git_sandbox.merge_demo(method, commits=n)
        assert int(git(repo.path, "rev-list", "--count", "main")) - before == added, method


def ancestors(path: str, start: str) -> dict[str, int]:
    """Every commit reachable from `start`, read object by object with cat-file: hash -> distance."""
    seen, frontier, distance = {}, [git(path, "rev-parse", start).strip()], 0
    while frontier:
        nxt = []
        for sha in frontier:
            if sha in seen:
                continue
            seen[sha] = distance
            body = git(path, "cat-file", "-p", sha)
            nxt += re.findall(r"^parent ([0-9a-f]{40})$", body, re.MULTILINE)
        frontier, distance = nxt, distance + 1
    return seen


def test_q3_merge_base_is_the_newest_shared_commit(keys):
    repo = git_sandbox.exercise_repo()
    main, email = ancestors(repo.path, "main"), ancestors(repo.path, "receipt-email")
    common = set(main) & set(email)
    # The best common ancestors: shared commits that are not an ancestor of another shared commit.
    best = [c for c in common if not any(c != other and c in ancestors(repo.path, other) for other in common)]
    assert best == [keys["q3-merge-base"]]
    assert keys["q3-merge-base"] != git(repo.path, "rev-parse", "main").strip(), "not the tip of main"
    assert keys["q3-merge-base"] != git(repo.path, "rev-list", "--max-parents=0", "main").strip(), "not the root"
    assert git(repo.path, "log", "-n", "1", "--format=%s", keys["q3-merge-base"]).strip() == (
        "Accept contactless payments up to 100 GBP")


def normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def test_q4_expected_state_is_what_a_correct_merge_leaves(keys):
    settings = re.search(r"```\n(# Till settings.*?)\n```", prompt("q4-prompt"), re.DOTALL).group(1)
    repo = git_sandbox.exercise_repo()
    path = repo.path
    assert git(path, "merge", "tip-jar", check=False)  # stops with the conflict
    assert "<<<<<<<" in Path(path, "settings.toml").read_text()
    Path(path, "settings.toml").write_text(settings + "\n")
    git(path, "add", "settings.toml")
    git(path, "commit", "--no-edit")
    parents = re.findall(r"^parent ", git(path, "cat-file", "-p", "HEAD"), re.MULTILINE)
    files = {name: normalise(git(path, "show", f"main:{name}"))
             for name in git(path, "ls-tree", "-r", "--name-only", "main").split()}
    expected = {
        "branch": git(path, "symbolic-ref", "--short", "HEAD").strip(),
        "merge_in_progress": Path(path, ".git", "MERGE_HEAD").exists(),
        "conflict_markers": any(re.search(r"^(<{7}|>{7})", t, re.MULTILINE) for t in files.values()),
        "head_parents": len(parents),
        "files_on_main": files,
    }
    assert keys["q4-conflict"] == expected
    assert expected["branch"] == "main" and expected["head_parents"] == 2
    # Both wanted changes are in the key, and receipt.txt has Alex's tip line from the branch.
    assert "card_timeout_seconds = 45" in files["settings.toml"]
    assert "tip_options = [10, 15, 20]" in files["settings.toml"]
    assert "Tip: {tip}" in files["receipt.txt"]


def test_q5_median_recomputed_from_the_rows(keys):
    durations = []
    for row in pull_requests().to_dict("records"):
        merged = row["merged_at"]
        if row["state"] == "merged" and (merged.year, merged.month) == (2026, 10):
            durations.append((merged - row["opened_at"]).total_seconds() / 3600)
    assert keys["q5-cycle-time"] == round(statistics.median(durations), 1) == 19.5


def test_q6_prompt_shows_the_real_diff():
    repo = git_sandbox.exercise_repo()
    real = git(repo.path, "diff", "main...faster-checkout").splitlines()
    shown = re.search(r"```diff\n(.*?)\n```", prompt("q6-prompt"), re.DOTALL).group(1).splitlines()
    assert shown == [line for line in real if line[:1] in (" ", "+", "-") and not line.startswith(("---", "+++"))]
