"""tpmkit.git_sandbox: real git in a throwaway folder, isolated from the user's git, deterministic,
leaving nothing behind; and a grading reader that runs nothing a tampered repository asks for."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from tests.support.git_reference import summary_with_git
from tpmkit import git_reader, git_sandbox
from tpmkit.errors import CheckFailed, KitError
from tpmkit.git_sandbox import PullRequest, Sandbox, check_finished, summary

SETTINGS_RESOLVED = """# Till settings for every Tillpoint shop
currency = "GBP"
card_timeout_seconds = 45
tip_options = [10, 15, 20]
contactless_limit = 100
refund_window_days = 30
receipt_footer = "Thank you for shopping local!"
"""


def raw_git(path: str, *args: str) -> str:
    """Plain git, as a test's own reference (not through the sandbox), isolated from the user's config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    done = subprocess.run(["git", "-C", path, "-c", f"safe.directory={path}", *args], env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


_AUDIT: list | None = None


def _audit(name, args):
    if _AUDIT is not None and (name in ("open", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                                        "os.spawn", "os.fork", "os.forkpty", "pty.spawn")):
        _AUDIT.append((name, args))


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one records only inside audit_events()


@contextlib.contextmanager
def audit_events():
    global _AUDIT
    _AUDIT = []
    try:
        yield _AUDIT
    finally:
        _AUDIT = None


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """HOME, the temp folder and a hostile global git config all point into tmp_path."""
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "commit-msg", "post-commit", "post-checkout", "pre-push", "post-merge",
                 "reference-transaction", "pre-merge-commit"):
        (hooks / hook).symlink_to(script)
    user_config = home / ".gitconfig"
    user_config.write_text(
        "[user]\n\tname = Someone Else\n\temail = someone@example.com\n"
        "[init]\n\tdefaultBranch = trunk\n"
        "[commit]\n\tgpgSign = true\n"
        f"[core]\n\thooksPath = {hooks}\n\tpager = {script}\n\tfsmonitor = {script}\n"
        "[merge]\n\tconflictStyle = diff3\n"
        "[pull]\n\trebase = true\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(user_config))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Evil Author")
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
    monkeypatch.setenv("GIT_PAGER", str(script))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    before = sorted(p.name for p in home.iterdir())
    return {"home": home, "tmp": tmp, "marker": marker, "script": script, "before": before}


# --- git is required, and said so in one sentence -----------------------------------------------------

def test_missing_git_is_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    for call in (Sandbox, git_sandbox.practice_repo):
        with pytest.raises(KitError) as info:
            call()
        assert str(info.value) == "git is not installed: install it from https://git-scm.com and restart the kernel."


def test_the_grading_reader_does_not_need_git():
    repo = git_sandbox.exercise_repo()
    before = summary(repo.path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shutil, "which", lambda name: None)
        assert summary(repo.path) == before


def test_missing_git_is_reported_before_any_folder_is_made(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(KitError):
        Sandbox()
    assert list(tmp_path.iterdir()) == []


# --- isolation and determinism ------------------------------------------------------------------------

def test_the_users_git_config_and_environment_are_ignored(isolated):
    repo = git_sandbox.exercise_repo()
    assert repo.output("symbolic-ref", "--short", "HEAD") == "main"
    assert repo.output("log", "-n", "1", "--format=%an <%ae>") == "Priya Shah <priya@tillpoint.example>"
    assert repo.output("cat-file", "-p", "HEAD").count("gpgsig") == 0
    repo.git("merge", "tip-jar")
    assert "|||||||" not in repo.read("settings.toml"), "diff3 style from the user's config leaked in"
    repo.write("settings.toml", SETTINGS_RESOLVED)
    repo.git("commit", "--all", "--no-edit")
    repo.git("diff", "HEAD~1")
    repo.git("log", "-n", "2")
    assert repo.output("log", "-n", "1", "--format=%an") == "Tillpoint Learner"
    assert not isolated["marker"].exists(), isolated["marker"].read_text()


def test_commit_hashes_are_the_same_on_every_run():
    for build in (git_sandbox.practice_repo, git_sandbox.exercise_repo, git_sandbox.conflict_demo,
                  lambda: git_sandbox.merge_demo("rebase", commits=4)):
        first, second = build(), build()
        for ref in ("main", "HEAD~1"):
            assert first.output("rev-parse", ref) == second.output("rev-parse", ref)
        assert first.path != second.path


def test_learner_commits_are_deterministic_too():
    hashes = []
    for _ in range(2):
        repo = git_sandbox.practice_repo()
        repo.git("switch", "-c", "tip-jar")
        repo.git("status")  # commands that make no commit do not move the clock
        repo.write("notes.md", "hello")
        repo.git("add", "notes.md")
        repo.git("commit", "-m", "Add notes")
        hashes.append(repo.output("rev-parse", "HEAD"))
    assert hashes[0] == hashes[1]


def test_nothing_is_left_outside_the_temp_folder(isolated):
    repo = git_sandbox.practice_repo()
    root = Path(repo.path).parent
    assert root.parent == isolated["tmp"]
    repo.git("switch", "-c", "tip-jar")
    repo.write("settings.toml", repo.read("settings.toml").replace("tip_options = []", "tip_options = [10]"))
    repo.git("commit", "--all", "-m", "Tips")
    repo.git("push", "-u", "origin", "tip-jar")
    pr = repo.open_pull_request("tip-jar", "Tips")
    pr.run_ci()
    pr.approve("Priya")
    pr.merge("squash")
    check_finished(repo.path)
    assert sorted(p.name for p in isolated["home"].iterdir()) == isolated["before"]
    assert [p.name for p in isolated["tmp"].iterdir()] == [root.name]
    assert sorted(p.name for p in root.iterdir()) == ["home", "origin.git", "owner.pid", "till-app"]
    repo.cleanup()
    assert list(isolated["tmp"].iterdir()) == []
    assert not isolated["marker"].exists()


def test_context_manager_and_cleanup():
    with git_sandbox.conflict_demo() as repo:
        path = repo.path
        assert os.path.isdir(path) and isinstance(path, str)
    assert not os.path.exists(os.path.dirname(path))
    assert repo.cleaned_up and "deleted" in repr(repo)
    repo.cleanup()  # a second cleanup is harmless
    with pytest.raises(KitError, match="cleaned up"):
        repo.git("status")


def test_a_sandbox_no_longer_used_removes_its_folder():
    repo = git_sandbox.Sandbox()
    root = os.path.dirname(repo.path)
    del repo
    assert not os.path.exists(root)


def test_folders_left_by_a_killed_kernel_are_swept(isolated):
    dead = subprocess.Popen(["true"])  # a process id that no longer exists once it has finished
    dead.wait()
    stale, ours, foreign = (isolated["tmp"] / name for name in ("tpmkit-git-stale", "tpmkit-git-ours", "other"))
    for folder, pid in ((stale, dead.pid), (ours, os.getpid()), (foreign, dead.pid)):
        folder.mkdir()
        (folder / "owner.pid").write_text(str(pid))
    (isolated["tmp"] / "tpmkit-git-no-owner").mkdir()
    repo = git_sandbox.Sandbox()
    left = sorted(p.name for p in isolated["tmp"].iterdir())
    mine = os.path.basename(os.path.dirname(repo.path))
    assert left == sorted(["tpmkit-git-ours", "other", "tpmkit-git-no-owner", mine])


def test_network_remotes_are_refused():
    repo = git_sandbox.practice_repo()
    for args in [("fetch", "https://example.com/x.git"), ("remote", "add", "web", "ssh://example.com/x"),
                 ("push", "/somewhere/else"), ("clone", "../../../elsewhere")]:
        with pytest.raises(KitError, match="outside this sandbox"):
            repo.git(*args)
    repo.git("commit", "--allow-empty", "-m", "/etc/hosts is not a path here")  # messages may say anything


# --- the learner's API ----------------------------------------------------------------------------------

def test_git_prints_and_output_returns_plain_text(capsys):
    repo = git_sandbox.practice_repo()
    assert repo.git("log", "--oneline") is None
    shown = capsys.readouterr().out
    assert "Add the receipt template" in shown and len(shown.strip().splitlines()) == 3
    head = repo.output("rev-parse", "HEAD")
    assert type(head) is str and len(head) == 40 and head in raw_git(repo.path, "rev-parse", "HEAD")
    repo.git("merge", "no-such-branch")
    shown = capsys.readouterr().out
    assert "no-such-branch" in shown and "exit code 1" in shown
    with pytest.raises(KitError, match="git merge-base failed"):
        repo.output("merge-base", "main", "no-such-branch")


def test_write_and_read_round_trip():
    repo = git_sandbox.practice_repo()
    repo.write("docs/notes.md", "one\ntwo")
    assert repo.read("docs/notes.md") == "one\ntwo\n"
    assert Path(repo.path, "docs", "notes.md").read_bytes() == b"one\ntwo\n"
    repo.graph()


def test_merge_methods_add_the_commits_the_docs_describe():
    for n in (1, 3, 5):
        unmerged = git_sandbox.merge_demo(None, commits=n)  # keep a reference: an unused sandbox deletes itself
        before = int(raw_git(unmerged.path, "rev-list", "--count", "main"))
        for method, added, parents in (("merge", n + 1, 2), ("squash", 1, 1), ("rebase", n, 1)):
            repo = git_sandbox.merge_demo(method, commits=n)
            assert int(raw_git(repo.path, "rev-list", "--count", "main")) - before == added, (method, n)
            assert len(raw_git(repo.path, "rev-list", "--parents", "-n", "1", "main").split()) - 1 == parents
            assert "refunds.md" in raw_git(repo.path, "ls-tree", "--name-only", "main")


def test_pull_request_needs_green_ci_and_a_fresh_approval():
    repo = git_sandbox.practice_repo()
    repo.git("switch", "-c", "timeout")
    repo.write("settings.toml", repo.read("settings.toml").replace("card_timeout_seconds = 30",
                                                                   "card_timeout_seconds = 5"))
    repo.git("commit", "--all", "-m", "Five seconds")
    with pytest.raises(KitError, match="push it first"):
        repo.open_pull_request("timeout", "Shorter timeout")
    repo.git("push", "-u", "origin", "timeout")
    pr = repo.open_pull_request("timeout", "Shorter timeout")
    with pytest.raises(KitError, match="CI has not run"):
        pr.merge()
    pr.run_ci()
    assert not pr.ci_passed
    pr.approve("Priya")
    with pytest.raises(KitError, match="CI failed"):
        pr.merge()
    repo.write("settings.toml", repo.read("settings.toml").replace("= 5", "= 40"))
    repo.git("commit", "--all", "-m", "Forty seconds")
    repo.git("push")
    assert pr.approved_by == [], "a new commit needs a new review"
    pr.run_ci()
    with pytest.raises(KitError, match="nobody has approved"):
        pr.merge()
    pr.approve("Priya")
    assert "CI passed, approved by Priya" in repr(pr)
    pr.merge("rebase")
    assert "merged" in repr(pr)
    assert raw_git(repo.path, "branch", "--list", "timeout") == ""
    assert raw_git(repo.origin, "branch", "--list", "timeout") == ""
    assert raw_git(repo.origin, "rev-parse", "main") == raw_git(repo.path, "rev-parse", "main")
    with pytest.raises(KitError, match="already merged"):
        pr.merge()


def test_the_author_cannot_approve_their_own_pull_request(capsys):
    # GitHub: "Pull request authors can't approve their own pull requests"; the lesson's quiz says the
    # author's approval does not count, so the sandbox refuses it.
    repo = git_sandbox.exercise_repo()
    pr = repo.open_pull_request("faster-checkout", "Speed up checkout")
    assert pr.author == "Sam Okafor" and "by Sam Okafor" in capsys.readouterr().out
    for name in ("Sam", "sam okafor", "  Sam  Okafor ", "the author"):
        with pytest.raises(KitError, match="Sam Okafor wrote this pull request, and an author's own approval"):
            pr.approve(name)
    assert pr.approved_by == []
    pr.approve("me")  # the learner reviewing Sam's change is a second pair of eyes
    assert pr.approved_by == ["me"]

    own = git_sandbox.practice_repo()
    own.git("switch", "-c", "tips")
    own.write("settings.toml", own.read("settings.toml").replace("tip_options = []", "tip_options = [10]"))
    own.git("commit", "--all", "-m", "Tips")
    own.git("push", "-u", "origin", "tips")
    pr = own.open_pull_request("tips", "Tips")
    assert pr.author == git_sandbox.LEARNER[0]
    pr.run_ci()
    for name in ("me", "Tillpoint Learner", "I"):
        with pytest.raises(KitError, match="You wrote this pull request.*pr.approve\\('Priya'\\)"):
            pr.approve(name)
    with pytest.raises(KitError, match="nobody has approved"):
        pr.merge()
    pr.approve("Priya")
    pr.merge()
    assert pr.state == "merged"


def test_pull_request_with_a_conflict_is_refused_and_main_is_left_clean():
    repo = git_sandbox.exercise_repo()
    pr = repo.open_pull_request("tip-jar", "Tips")
    pr.run_ci()
    pr.approve("Priya")
    with pytest.raises(KitError, match="does not merge cleanly"):
        pr.merge()
    state = summary(repo.path)
    assert state["branch"] == "main" and not state["merge_in_progress"] and not state["conflict_markers"]


# --- the grading reader ----------------------------------------------------------------------------------

def test_summary_follows_a_conflict_from_start_to_finish():
    repo = git_sandbox.exercise_repo()
    start = summary(repo.path)
    assert start["branch"] == "main" and start["head_parents"] == 1 and not start["merge_in_progress"]
    assert set(start["files_on_main"]) == {"README.md", "receipt.txt", "settings.toml"}
    repo.git("merge", "tip-jar")
    middle = summary(repo.path)
    assert middle["merge_in_progress"] and middle["conflict_markers"]
    with pytest.raises(CheckFailed, match="merge is still in progress"):
        check_finished(repo.path)
    repo.write("settings.toml", SETTINGS_RESOLVED)
    repo.git("add", "settings.toml")
    repo.git("commit", "--no-edit")
    end = summary(repo.path)
    assert end["head_parents"] == 2 and not end["merge_in_progress"] and not end["conflict_markers"]
    assert end["files_on_main"]["settings.toml"] == SETTINGS_RESOLVED.strip()
    assert json.loads(json.dumps(end)) == end, "plain data only"
    check_finished(repo.path)


def test_summary_is_byte_for_byte_what_the_old_git_reader_gave():
    """The dulwich reader against the git-binary reader it replaced (tests/support/git_reference.py), state by state:
    the exercise's hidden key was written against the old one."""
    seen = []

    def same(label: str, repo: Sandbox) -> None:
        new, old = summary(repo.path), summary_with_git(repo.path)
        assert repr(new) == repr(old), label
        assert json.dumps(new) == json.dumps(old), label
        seen.append(label)

    same("lesson repository", git_sandbox.practice_repo())
    for method in git_sandbox.MERGE_METHODS:
        same(f"merged with {method}", git_sandbox.merge_demo(method))
    same("unmerged demo", git_sandbox.merge_demo(None))
    conflict = git_sandbox.conflict_demo()
    conflict.git("merge", "new-year")
    same("lesson conflict", conflict)
    same("brand-new repository, main has no commits", Sandbox())

    repo = git_sandbox.exercise_repo()
    same("exercise, fresh", repo)
    repo.git("merge", "tip-jar")
    same("mid-merge with a conflict", repo)
    repo.write("settings.toml", SETTINGS_RESOLVED)
    repo.git("add", "settings.toml")
    same("conflict resolved, merge not committed", repo)
    repo.git("commit", "--no-edit")
    same("merge committed", repo)
    repo.git("switch", "--detach", "HEAD~1")
    same("detached HEAD", repo)
    repo.git("switch", "--orphan", "empty")
    same("a branch with no commits", repo)
    repo.git("switch", "main")
    repo.git("merge", "faster-checkout")
    same("a second conflict", repo)
    repo.git("commit", "--all", "--no-edit")
    same("markers committed", repo)

    # Files of every kind git stores: sub-folders, CRLF, a symlink, an executable, a submodule, a non-ASCII
    # name, and a file over the 1 MB limit whose second, smaller version gc stores as a delta of the first.
    Path(repo.path, "docs").mkdir()
    Path(repo.path, "docs", "notes.md").write_bytes(b"\r\n  one  \r\ntwo\r\n\r\n")
    Path(repo.path, "docs", "caf\u00e9 \u2603.txt").write_text("sn\u00f6w\n")
    os.symlink("docs/notes.md", Path(repo.path, "link.md"))
    Path(repo.path, "run.sh").write_text("#!/bin/sh\necho hi\n")
    Path(repo.path, "run.sh").chmod(0o755)
    big = "".join(f"line {n}\n" for n in range(200_000))
    Path(repo.path, "big.txt").write_text(big + "one more line\n")
    repo.git("add", "--all")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.output('rev-parse', 'HEAD')},vendor/lib")
    repo.git("commit", "-m", "Odd files")
    Path(repo.path, "big.txt").write_text(big)
    repo.git("commit", "--all", "-m", "Smaller")
    state = summary(repo.path)["files_on_main"]
    assert "vendor/lib" not in state and state["link.md"] == "docs/notes.md" and state["docs/notes.md"] == "  one\ntwo"
    assert state["big.txt"] == f"<a file of {len(big)} bytes, too large to show>"
    same("odd files, loose", repo)
    repo.git("gc", "--aggressive", "--prune=now", "--quiet")
    assert not list(Path(repo.path, ".git", "objects").glob("??/*")), "everything is packed now"
    pack = repo.output("verify-pack", "-v", str(next(Path(repo.path, ".git", "objects", "pack").glob("*.idx"))))
    tip = repo.output("rev-parse", "main:big.txt")
    assert [len(line.split()) for line in pack.splitlines() if line.startswith(tip)] == [7], "stored as a delta"
    same("odd files, packed after gc", repo)
    assert len(seen) == 17


def test_summary_sees_committed_markers_and_a_detached_head():
    repo = git_sandbox.exercise_repo()
    repo.git("merge", "tip-jar")
    repo.git("commit", "--all", "--no-edit")
    state = summary(repo.path)
    assert state["conflict_markers"] and not state["merge_in_progress"]
    with pytest.raises(CheckFailed, match="conflict markers"):
        check_finished(repo.path)
    repo.git("switch", "--detach", "HEAD~1")
    assert summary(repo.path)["branch"] is None


def test_summary_of_an_empty_repository():
    repo = Sandbox()
    assert summary(repo.path) == {"branch": "main", "merge_in_progress": False, "conflict_markers": False,
                                  "head_parents": 0, "files_on_main": {}}


def test_summary_normalises_line_endings_and_trailing_space():
    repo = Sandbox()
    Path(repo.path, "a.txt").write_bytes(b"\n\none  \r\ntwo\r\n\r\n")
    repo.git("add", "a.txt")
    repo.git("commit", "-m", "CRLF")
    assert summary(repo.path)["files_on_main"] == {"a.txt": "one\ntwo"}


def test_summary_starts_no_process_and_opens_nothing_outside_the_repository():
    """An audit hook sees every process start and every file opened by path while summary runs."""
    repo = git_sandbox.exercise_repo()
    repo.git("merge", "tip-jar")
    started, opened = [], []
    with audit_events() as events:
        summary(repo.path)
    for name, args in events:
        if name in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.forkpty", "pty.spawn"):
            started.append((name, args))
        elif name == "open" and isinstance(args[0], (str, bytes)) and os.path.isabs(os.fsdecode(args[0])):
            opened.append(os.fsdecode(args[0]))
    assert started == []
    assert any("tpmkit-read-" in path for path in opened), "the audit hook saw the private copy being made"
    allowed = (os.path.realpath(repo.path) + os.sep, os.path.join(os.path.realpath(tempfile.gettempdir()),
               "tpmkit-read-"), os.path.realpath(sys.prefix) + os.sep, os.path.realpath(sys.base_prefix) + os.sep)
    outside = [path for path in opened if not (os.path.realpath(path) + os.sep).startswith(allowed)]
    assert outside == []


def test_summary_runs_nothing_a_tampered_repository_asks_for(tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\ncat\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    repo = git_sandbox.exercise_repo()
    repo.git("merge", "tip-jar")
    hooks = Path(repo.path, ".git", "hooks")
    hooks.mkdir(exist_ok=True)
    for hook in ("post-checkout", "post-index-change", "reference-transaction", "pre-commit", "fsmonitor-watchman"):
        (hooks / hook).symlink_to(script)
    Path(repo.path, ".gitattributes").write_text("* filter=evil diff=evil\n")
    with open(Path(repo.path, ".git", "config"), "a") as config:
        config.write(f"[core]\n\thooksPath = {hooks}\n\tfsmonitor = {script}\n\tpager = {script}\n"
                     f"\tuntrackedCache = true\n[filter \"evil\"]\n\tclean = {script}\n\tsmudge = {script}\n"
                     f"\tprocess = {script}\n[diff]\n\texternal = {script}\n[diff \"evil\"]\n\ttextconv = {script}\n"
                     f"[alias]\n\trev-list = !{script}\n")
    state = summary(repo.path)
    assert state["merge_in_progress"]
    with pytest.raises(CheckFailed):
        check_finished(repo.path)
    assert not marker.exists(), marker.read_text()


def test_summary_refuses_what_is_not_a_repository(tmp_path):
    with pytest.raises(KitError, match="not a git repository"):
        summary(str(tmp_path))
    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link" / ".git")
    with pytest.raises(KitError, match="not a git repository"):
        summary(str(tmp_path / "link"))


# --- pictures -------------------------------------------------------------------------------------------

def test_history_figure_draws_one_row_per_repository():
    repos = {"merge commit": git_sandbox.merge_demo("merge"), "squash": git_sandbox.merge_demo("squash"),
             "rebase": git_sandbox.merge_demo("rebase")}
    fig = git_sandbox.history_figure(repos)
    assert isinstance(fig, Figure)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["merge commit: main holds 7 commits", "squash: main holds 4 commits",
                      "rebase: main holds 6 commits"]
    assert fig._repr_png_().startswith(b"\x89PNG")


# --- bad input: one sentence each ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def repo():
    return git_sandbox.practice_repo()


BAD_CALLS = [
    (lambda r: r.git(), "Say which git command"),
    (lambda r: r.git("log", 3), "as text"),
    (lambda r: r.git("-C", "/", "log"), "Start with the git command"),
    (lambda r: r.git("config", "--global", "user.name", "X"), "keeps its settings to itself"),
    (lambda r: r.git("push", "/elsewhere"), "outside this sandbox"),
    (lambda r: r.output("log", "no-such-branch"), "git log failed"),
    (lambda r: r.write("/etc/hosts", "x"), "not a file inside"),
    (lambda r: r.write("../x", "x"), "not a file inside"),
    (lambda r: r.write(".git/config", "x"), "not a file inside"),
    (lambda r: r.write("a.txt", 3), "as a str"),
    (lambda r: r.write(None, "x"), "path must be a file name"),
    (lambda r: r.read("missing.txt"), "no file 'missing.txt'"),
    (lambda r: Sandbox("Bad Name"), "short lower-case folder name"),
    (lambda r: git_sandbox.merge_demo("octopus"), "method must be one of"),
    (lambda r: git_sandbox.merge_demo("merge", commits=0), "commits must be a whole number"),
    (lambda r: git_sandbox.merge_demo("merge", commits=True), "commits must be a whole number"),
    (lambda r: summary(3), "path must be the repository's folder"),
    (lambda r: check_finished(None), "path must be the repository's folder"),
    (lambda r: git_sandbox.history_figure({}), "repos must be a dict"),
    (lambda r: git_sandbox.history_figure({"a": "not a repo"}), "repos must be a dict"),
    (lambda r: r.open_pull_request("no-such-branch", "Title"), "push it first"),
    (lambda r: r.open_pull_request("refund-window", ""), "short title"),
    (lambda r: PullRequest("repo", "refund-window", "Title"), "repo must be a practice repository"),
    (lambda r: r.open_pull_request("refund-window", "Title").merge("fast"), "method must be one of"),
    (lambda r: r.open_pull_request("refund-window", "Title").approve(""), "reviewer must be"),
    (lambda r: r.open_pull_request("refund-window", "Title").approve("Sam"), "own approval does not count"),
]


@pytest.mark.parametrize(("call", "phrase"), BAD_CALLS, ids=[phrase for _, phrase in BAD_CALLS])
def test_bad_input_is_one_clear_sentence(repo, call, phrase):
    with pytest.raises(KitError) as info:
        call(repo)
    message = str(info.value)
    assert phrase in message and "\n" not in message


def test_notebook_names_are_kept_and_the_grading_reader_stands_apart():
    """Notebooks and hidden tests use tpmkit.git_sandbox.NAME; the reader they call is the grader's, and that
    module (the trust boundary) imports neither the sandbox nor anything that runs a program."""
    import ast

    for name in git_sandbox.__all__:
        assert getattr(git_sandbox, name) is not None, name
    assert git_sandbox.summary is git_reader.summary and git_sandbox.check_finished is git_reader.check_finished
    tree = ast.parse(Path(git_reader.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"subprocess", "pty", "multiprocessing"}, imported
    assert not [name for name in imported if name.startswith("tpmkit.git_sandbox")], imported
