"""A throwaway git repository for practising pull requests, and a safe reader that grades one.

`Sandbox` runs the real `git` binary in a fresh temporary folder that holds the practice
repository and a bare "origin" repository to push to. It never reads or changes the learner's own
repositories or git settings: every command runs with an empty global config of its own, no system
config, fixed names and e-mail addresses, no hooks, no pager, no signing and no network. Each
commit gets a fixed time stamp from the sandbox's own clock, so the same steps give the same
commit hashes on every machine (a planted merge base is a fixed answer).

    repo = practice_repo()                 # a Tillpoint repository with a few commits
    repo.git("switch", "-c", "tip-jar")    # prints what git says (and returns None, so a notebook
                                           # shows git's output once, not again as a quoted string)
    repo.write("settings.toml", text)      # change a file
    repo.output("rev-parse", "HEAD")       # what git printed, as text, for answers
    repo.graph()                           # git log --graph --oneline --all
    repo.cleanup()                         # or: with practice_repo() as repo: ...

`summary(path)` reads a repository for grading, possibly in the grader's own process and as root,
so it runs nothing at all, not even git: a learner writes the repository's config, and git obeys
config that runs programs (hooks, fsmonitor, filters, a promisor remote's upload-pack...). Instead
it copies `.git` (a real folder; a `.git` file pointing elsewhere is refused) into a private
temporary folder with `tpmkit.safe_files`, which never follows a symlink; drops from the copy the
files that point at other folders (alternates, commondir, gitdir) and replaces its config; then
reads the copy with dulwich, a library that only parses. Object sizes are read from their headers
before anything is unpacked, and tracked files in the working folder are opened without following
symlinks. Copies, files and sizes are capped; anything over a cap or damaged is one KitError. The
sandbox lives under the temporary folder (`TMPDIR`), which the grading kernel shares with the
grader, so the grader can read it with `summary(repo.path)` in its own process.
"""

from __future__ import annotations

import calendar
import contextlib
import io
import itertools
import os
import re
import shutil
import stat
import subprocess
import tempfile
import weakref
import zlib
from pathlib import Path

from dulwich.index import Index
from dulwich.objects import Blob, Commit, Tag, Tree
from dulwich.repo import Repo
from matplotlib.figure import Figure

from tpmkit import replica, safe_files
from tpmkit.errors import CheckFailed, KitError

__all__ = ["MERGE_METHODS", "PullRequest", "Sandbox", "check_finished", "conflict_demo", "exercise_repo",
           "history_figure", "merge_demo", "practice_repo", "summary"]

GIT_MISSING = "git is not installed: install it from https://git-scm.com and restart the kernel."
MERGE_METHODS = ("merge", "squash", "rebase")

# The sandbox clock: every command that can make a commit moves it on by one hour, starting at
# Monday 5 October 2026, 09:00 UTC. Fixed times give fixed commit hashes.
CLOCK_START = calendar.timegm((2026, 10, 5, 9, 0, 0))
CLOCK_STEP = 3600
_COMMITTING = {"am", "cherry-pick", "commit", "merge", "pull", "rebase", "revert", "stash", "tag"}

LEARNER = ("Tillpoint Learner", "learner@tillpoint.example")
PRIYA = ("Priya Shah", "priya@tillpoint.example")
SAM = ("Sam Okafor", "sam@tillpoint.example")
ALEX = ("Alex Byrne", "alex@tillpoint.example")

# Settings every sandbox command runs with, whatever the learner's own git config says.
_SANDBOX_CONFIG = {
    "user.name": LEARNER[0],
    "user.email": LEARNER[1],
    "init.defaultBranch": "main",
    "commit.gpgSign": "false",
    "tag.gpgSign": "false",
    "core.hooksPath": os.devnull,
    "core.fsmonitor": "false",
    "core.pager": "cat",
    "core.autocrlf": "false",
    "core.quotePath": "false",
    "color.ui": "false",
    "merge.conflictStyle": "merge",
    "pull.rebase": "false",
    "rerere.enabled": "false",
    "gc.auto": "0",
    "maintenance.auto": "false",
    "credential.helper": "",
    "protocol.allow": "never",        # no network: only local paths (the origin next door)
    "protocol.file.allow": "always",
    "advice.detachedHead": "false",
}
_MARKER = re.compile(r"^(<{7}|>{7})(\s|$)", re.MULTILINE)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_PREFIX = "tpmkit-git-"
_OWNER = "owner.pid"
_MAX_FILES = 2000
_MAX_BYTES = 1_000_000


# --- running git ---------------------------------------------------------------------------------

def _git_binary() -> str:
    found = shutil.which("git")
    if found is None:
        raise KitError(GIT_MISSING)
    return found


def _flags(config: dict[str, str]) -> list[str]:
    return [part for key, value in config.items() for part in ("-c", f"{key}={value}")]


def _isolated_env(global_config: str, **extra: str) -> dict[str, str]:
    """The caller's environment without any GIT_* variable, plus settings that shut out the user's git config."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("GIT_")}
    env.update({
        "GIT_CONFIG_GLOBAL": global_config,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_EDITOR": ":",            # git treats ":" as "keep the message as it is"
        "GIT_SEQUENCE_EDITOR": ":",
        "GIT_MERGE_AUTOEDIT": "no",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_DEFAULT_HASH": "sha1",   # the hashes in the exercises are SHA-1
        "LC_ALL": "C",                # messages in English, the same everywhere
        "LANGUAGE": "C",
    })
    env.update(extra)
    return env


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists (POSIX)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else, or we cannot tell: leave it alone
    return True


def _sweep_stale() -> None:
    """Delete practice folders whose kernel was killed before it could tidy up (POSIX only).

    Only folders this module made are touched: named tpmkit-git-* in the temp folder and holding
    the id of the process that made them, which must no longer exist.
    """
    if os.name != "posix":
        return
    base = Path(tempfile.gettempdir())
    for folder in base.glob(f"{_PREFIX}*"):
        try:
            pid = int(Path(folder, _OWNER).read_text())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else "no message").rstrip(".")


# --- the practice repository ---------------------------------------------------------------------

class Sandbox:
    """A practice repository (`.path`) and a bare "origin" (`.origin`) in a new temporary folder.

    Nothing is written outside that folder. `cleanup()` deletes it; so does leaving a `with`
    block, and so does Python when the sandbox is no longer used or the kernel stops.
    """

    def __init__(self, name: str = "till-app", *, root: str | None = None):
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise KitError(f"name must be a short lower-case folder name such as 'till-app', not {name!r}.")
        self._git = _git_binary()
        _sweep_stale()
        if root is None:
            self._root = tempfile.mkdtemp(prefix=_PREFIX)
        else:  # a place the grader knows (see exercise_repo)
            try:
                os.mkdir(root, 0o700)
            except FileExistsError:
                raise KitError("The exercise repository was already made in this kernel: use the `repo` "
                               "the setup cell made.") from None
            self._root = root
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._root, ignore_errors=True)
        Path(self._root, _OWNER).write_text(str(os.getpid()))
        self._home = os.path.join(self._root, "home")
        os.mkdir(self._home)
        # An empty global config inside the sandbox: the learner's ~/.gitconfig is never read, and
        # `git config --global` (which the sandbox refuses anyway) could not reach it either.
        self._global_config = os.path.join(self._home, ".gitconfig")
        Path(self._global_config).touch()
        self.name = name
        self.path = os.path.join(self._root, name)
        self.origin = os.path.join(self._root, "origin.git")
        self._tick = 0
        self._next_pr = 12
        os.mkdir(self.path)
        os.mkdir(self.origin)
        self._must(["init", "--quiet", "--bare", "--template="], cwd=self.origin)
        self._must(["symbolic-ref", "HEAD", "refs/heads/main"], cwd=self.origin)
        self._must(["init", "--quiet", "--template="])
        self._must(["symbolic-ref", "HEAD", "refs/heads/main"])
        self._must(["remote", "add", "origin", self.origin])

    # -- lifecycle --
    def cleanup(self) -> None:
        """Delete the sandbox's temporary folder (the practice repository and its origin)."""
        self._finalizer()

    @property
    def cleaned_up(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        where = "deleted" if self.cleaned_up else "in a temporary folder; see .path"
        return f"<git sandbox '{self.name}': a practice repository {where}>"

    def _alive(self) -> None:
        if self.cleaned_up:
            raise KitError("This practice repository was cleaned up: make a new one, for example "
                           "git_sandbox.practice_repo().")

    # -- running git --
    def _run(self, args: list[str], *, cwd: str | None = None, author: tuple[str, str] = LEARNER,
             merge_output: bool = False) -> subprocess.CompletedProcess:
        self._alive()
        if args and args[0] in _COMMITTING:
            self._tick += 1
        when = f"{CLOCK_START + self._tick * CLOCK_STEP} +0000"
        env = _isolated_env(
            self._global_config, HOME=self._home, XDG_CONFIG_HOME=os.path.join(self._home, ".config"),
            GIT_CEILING_DIRECTORIES=self._root,
            GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1], GIT_AUTHOR_DATE=when,
            GIT_COMMITTER_NAME=author[0], GIT_COMMITTER_EMAIL=author[1], GIT_COMMITTER_DATE=when)
        try:
            return subprocess.run(
                [self._git, "--no-pager", *_flags(_SANDBOX_CONFIG), *args], cwd=cwd or self.path, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
                encoding="utf-8", errors="replace", timeout=120)
        except subprocess.TimeoutExpired:
            raise KitError(f"git {args[0]} ran for more than 2 minutes and was stopped: "
                           "commands that wait for typing do not work here.") from None

    def _must(self, args: list[str], **kwargs) -> str:
        """Run a command the kit itself needs; fail with git's own reason if it does not work."""
        done = self._run(args, **kwargs)
        if done.returncode != 0:
            raise KitError(f"git {args[0]} failed ({_one_line(done.stderr or done.stdout)}).")
        return done.stdout

    def git(self, *args: str) -> None:
        """Run `git ARGS...` in the practice repository and print everything git says.

        A command git refuses (a merge conflict, a typo) prints git's own explanation and a line
        with its exit code; it does not stop the notebook. To keep git's output as text (to store
        a commit hash, say), use `output(...)` instead.
        """
        args = self._checked(args)
        done = self._run(args, merge_output=True)
        text = done.stdout.rstrip()
        if text:
            print(text)
        if done.returncode != 0:
            print(f"(git {args[0]} stopped with exit code {done.returncode}: the lines above say why.)")

    def output(self, *args: str) -> str:
        """Run `git ARGS...` and return what it printed, as plain text without the final line break."""
        args = self._checked(args)
        done = self._run(args)
        if done.returncode != 0:
            raise KitError(f"git {args[0]} failed ({_one_line(done.stderr or done.stdout)}): "
                           "check the branch and file names, then run the cell again.")
        return done.stdout.strip()

    def graph(self) -> None:
        """Print the history of every branch as a graph (`git log --graph --oneline --decorate --all`)."""
        self.git("log", "--graph", "--oneline", "--decorate", "--all")

    def _checked(self, args: tuple) -> list[str]:
        if not args:
            raise KitError("Say which git command to run, for example repo.git('status').")
        bad = [a for a in args if not isinstance(a, str)]
        if bad:
            raise KitError(f"Give each part of the command as text, for example repo.git('log', '-n', '3'), "
                           f"not {bad[0]!r}.")
        if args[0].startswith("-"):
            raise KitError(f"Start with the git command itself, such as 'log' or 'merge', not '{args[0]}': "
                           "options that point git at another folder are not available in the sandbox.")
        if args[0] == "config" and any(a in ("--global", "--system", "--file", "-f") or a.startswith("--file=")
                                       for a in args[1:]):
            raise KitError("The sandbox keeps its settings to itself: use 'git config' without --global, "
                           "--system or --file.")
        skip_next = False
        for arg in args[1:]:
            if skip_next or arg in ("-m", "--message") or arg.startswith(("--message=", "-m")):
                skip_next = arg in ("-m", "--message")
                continue
            value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
            if "://" in value or value.startswith("~") or os.path.isabs(value) or value.startswith(".."):
                target = os.path.realpath(os.path.join(self.path, os.path.expanduser(value)))
                if "://" in value or not _inside(target, self._root):
                    raise KitError(f"'{value}' is outside this sandbox: the practice repository only works "
                                   "with its own files and its origin.")
        return list(args)

    # -- files --
    def _file(self, path) -> str:
        self._alive()
        if not isinstance(path, str) or not path.strip():
            raise KitError(f"path must be a file name inside the repository, such as 'settings.toml', not {path!r}.")
        target = os.path.realpath(os.path.join(self.path, path))
        parts = Path(os.path.relpath(target, self.path)).parts if _inside(target, self.path) else ()
        if os.path.isabs(path) or not parts or parts[0] == ".git":
            raise KitError(f"'{path}' is not a file inside the practice repository: use a name such as "
                           "'settings.toml' or 'docs/notes.md'.")
        return target

    def write(self, path: str, text: str) -> None:
        """Replace the file at `path` (inside the repository) with `text`; a final line break is added if missing."""
        target = self._file(path)
        if not isinstance(text, str):
            raise KitError(f"text must be the new contents of {path} as a str, not a {type(text).__name__}.")
        if text and not text.endswith("\n"):
            text += "\n"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)

    def read(self, path: str) -> str:
        """The text of the file at `path` in the working folder, as it is now (conflict markers and all)."""
        target = self._file(path)
        if not os.path.isfile(target):
            raise KitError(f"There is no file '{path}' in the working folder: list the files with "
                           "repo.git('ls-files').")
        with open(target, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()

    # -- pull requests and grading --
    def open_pull_request(self, branch: str, title: str) -> PullRequest:
        """Open a pull request from `branch` (pushed to origin) into main."""
        return PullRequest(self, branch, title)

    def summary(self) -> dict:
        """The repository's state as plain data: see `summary(path)`."""
        self._alive()
        return summary(self.path)

    # -- used by the builders and PullRequest --
    def _commit(self, author: tuple[str, str], message: str, files: dict[str, str]) -> None:
        for path, text in files.items():
            self.write(path, text)
        self._must(["add", "--all"])
        self._must(["commit", "--quiet", "-m", message], author=author)

    def _echo(self, *args: str, author: tuple[str, str] = LEARNER) -> subprocess.CompletedProcess:
        """Run a command on the learner's behalf and show it as if typed: `$ git ...` then git's output."""
        print("$ git " + " ".join(f'"{a}"' if " " in a else a for a in args))
        done = self._run(list(args), author=author, merge_output=True)
        if done.stdout.strip():
            print(done.stdout.strip("\n"))
        return done

    def _origin_tip(self, branch: str) -> str | None:
        done = self._run(["rev-parse", "-q", "--verify", f"refs/heads/{branch}^{{commit}}"], cwd=self.origin)
        return done.stdout.strip() or None


def _inside(target: str, folder: str) -> bool:
    folder = os.path.realpath(folder)
    return target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)


# --- merging -------------------------------------------------------------------------------------

def _merge(repo: Sandbox, branch: str, method: str, *, number: int, title: str,
           author: tuple[str, str] = LEARNER, echo: bool = False) -> None:
    """Merge `branch` into main the way a code host's merge button does, with the given method."""
    run = repo._echo if echo else (lambda *a, author=LEARNER: repo._run(list(a), author=author, merge_output=True))
    steps: list[tuple[str, ...]] = [("switch", "main")]
    if method == "merge":
        steps += [("merge", "--no-ff", "-m", f"Merge pull request #{number} from {branch}", branch)]
    elif method == "squash":
        steps += [("merge", "--squash", branch), ("commit", "-m", f"{title} (#{number})")]
    else:
        steps += [("switch", branch), ("rebase", "main"), ("switch", "main"), ("merge", "--ff-only", branch)]
    for step in steps:
        done = run(*step, author=author)
        if done.returncode != 0:
            repo._run(["merge", "--abort"])
            repo._run(["rebase", "--abort"])
            repo._run(["switch", "main"])
            raise KitError(f"{branch} does not merge cleanly into main: merge main into {branch}, resolve the "
                           "conflict, commit and push, then try again.")


class PullRequest:
    """A pull request from a pushed branch into main, with the checks a protected main branch asks for.

    `diff()` shows what the branch changes, `run_ci()` runs the repository's automatic checks on the
    branch's latest pushed commit, `approve(reviewer)` records a review, and `merge(method)` merges
    only when CI has passed and a reviewer has approved that same commit, then deletes the branch.

    The protection modelled is GitHub's "Require pull request reviews before merging" with "Dismiss
    stale pull request approvals when new commits are pushed" turned on (GitHub Docs, "About protected
    branches"): an approval counts only for the commit it saw, so a new push needs a new review.
    `author` is whoever wrote the branch's first commit that main lacks (the learner if there is none);
    as on GitHub ("Pull request authors can't approve their own pull requests"), the author's own
    approval is refused.
    """

    def __init__(self, repo: Sandbox, branch: str, title: str):
        if not isinstance(repo, Sandbox):
            raise KitError("repo must be a practice repository from git_sandbox, such as practice_repo().")
        if not isinstance(branch, str) or not isinstance(title, str) or not title.strip():
            raise KitError("Give the branch name and a short title as text, e.g. open_pull_request('tip-jar', "
                           "'Offer tips at the till').")
        if branch == "main" or repo._origin_tip(branch) is None:
            raise KitError(f"origin has no branch '{branch}' to merge from: push it first with "
                           f"repo.git('push', '-u', 'origin', '{branch}').")
        self.repo, self.branch, self.title = repo, branch, title.strip()
        self.number = repo._next_pr
        repo._next_pr += 1
        self.state = "open"
        self._ci: tuple[str, bool] | None = None
        self._approvals: dict[str, str] = {}
        self.author = _branch_author(repo, repo._origin_tip(branch))
        print(f"Opened pull request #{self.number}: {self.title} ({branch} -> main), by {self.author}")

    def _tip(self) -> str:
        tip = self.repo._origin_tip(self.branch)
        if tip is None:
            raise KitError(f"origin no longer has the branch '{self.branch}'.")
        return tip

    def _open(self) -> None:
        if self.state != "open":
            raise KitError(f"Pull request #{self.number} is already {self.state}.")

    def diff(self) -> None:
        """Print what the branch changes compared with where it left main (`git diff main...BRANCH`)."""
        self.repo.git("diff", f"main...{self._tip()}")

    def run_ci(self) -> None:
        """Run the automatic checks on the branch's latest pushed commit and print each result."""
        self._open()
        tip = self._tip()
        with _private_copy(self.repo.path) as git:
            files = _Objects(git.object_store).files(tip)
        results = _ci_checks(files)
        for name, ok, detail in results:
            print(f"{'✓' if ok else '✗'} {name}{'' if ok else f': {detail}'}")
        passed = all(ok for _, ok, _ in results)
        self._ci = (tip, passed)
        print(f"CI {'passed' if passed else 'FAILED'} on commit {tip[:7]}.")

    def approve(self, reviewer: str) -> None:
        """Record that `reviewer` read the diff and approves the branch's latest pushed commit."""
        self._open()
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise KitError("reviewer must be the reviewer's name as text, such as 'Priya'.")
        if self._is_author(reviewer):
            who = "You wrote" if self.author == LEARNER[0] else f"{self.author} wrote"
            other = next(name for name in ("Priya", "Sam", "Alex") if not self._is_author(name))
            raise KitError(f"{who} this pull request, and an author's own approval does not count: ask a "
                           f"teammate to review it, such as pr.approve('{other}').")
        tip = self._tip()
        self._approvals[reviewer.strip()] = tip
        print(f"{reviewer.strip()} approved commit {tip[:7]}.")

    def _is_author(self, reviewer: str) -> bool:
        """Whether `reviewer` names the pull request's author: full or first name, any case; "me" and
        the like when the learner wrote it."""
        said = " ".join(reviewer.split()).casefold()
        names = {self.author.casefold(), self.author.split()[0].casefold(), "author", "the author"}
        if self.author == LEARNER[0]:
            names |= {"me", "myself", "i", "you", "learner", "the learner"}
        return said in names

    @property
    def ci_passed(self) -> bool:
        return bool(self._ci and self._ci == (self._tip(), True))

    @property
    def approved_by(self) -> list[str]:
        tip = self._tip() if self.state == "open" else None
        return sorted(name for name, seen in self._approvals.items() if seen == tip)

    def merge(self, method: str = "merge") -> None:
        """Merge into main with `method` ('merge', 'squash' or 'rebase'), push main and delete the branch."""
        self._open()
        if method not in MERGE_METHODS:
            raise KitError(f"method must be one of {', '.join(MERGE_METHODS)}, not {method!r}.")
        tip = self._tip()
        if self._ci is None or self._ci[0] != tip:
            raise KitError(f"Pull request #{self.number} cannot be merged yet: CI has not run on its latest "
                           "commit, so run pr.run_ci() first.")
        if not self._ci[1]:
            raise KitError(f"Pull request #{self.number} cannot be merged: CI failed, so fix the branch, commit, "
                           "push and run pr.run_ci() again.")
        if not self.approved_by:
            raise KitError(f"Pull request #{self.number} cannot be merged yet: nobody has approved its latest "
                           "commit, so ask for a review (pr.approve('name')).")
        local = self.repo._run(["rev-parse", "-q", "--verify", f"refs/heads/{self.branch}"]).stdout.strip()
        if local != tip:
            raise KitError(f"Your local {self.branch} is not what origin has: push it (or pull it) so they match.")
        _merge(self.repo, self.branch, method, number=self.number, title=self.title, echo=True)
        self.repo._echo("push", "origin", "main")
        self.repo._echo("push", "origin", "--delete", self.branch)
        self.repo._echo("branch", "-D", self.branch)
        self.state = "merged"
        print(f"Merged pull request #{self.number} with '{method}' and deleted the branch {self.branch}.")

    def __repr__(self) -> str:
        if self.state != "open":
            return f"<pull request #{self.number} '{self.title}': {self.state}>"
        ci = "CI passed" if self.ci_passed else "CI not passed on the latest commit"
        who = f"approved by {', '.join(self.approved_by)}" if self.approved_by else "not approved"
        return (f"<pull request #{self.number} '{self.title}' by {self.author} ({self.branch} -> main): open, "
                f"{ci}, {who}>")


def _branch_author(repo: Sandbox, tip: str) -> str:
    """Who wrote the change: the author of the oldest commit on `tip` that main lacks (the learner if none)."""
    done = repo._run(["log", "--reverse", "--format=%an", f"refs/heads/main..{tip}"])
    names = done.stdout.splitlines() if done.returncode == 0 else []
    return names[0].strip() if names and names[0].strip() else LEARNER[0]


def _ci_checks(files: dict[str, str]) -> list[tuple[str, bool, str]]:
    """The till app's automatic checks on a set of files: (check, passed, what is wrong)."""
    results = []
    marked = sorted(path for path, text in files.items() if _MARKER.search(text))
    results.append(("no conflict markers", not marked, "markers left in " + ", ".join(marked)))
    settings = files.get("settings.toml")
    if settings is not None:
        lines = [line.strip() for line in settings.splitlines() if line.strip() and not line.startswith("#")]
        bad = [line for line in lines if not re.fullmatch(r"[a-z_]+ = \S.*", line)]
        results.append(("settings.toml: every setting is 'name = value'", not bad, f"cannot read '{bad[0]}'"
                        if bad else ""))
        values = dict(line.split(" = ", 1) for line in lines if line not in bad)
        timeout = values.get("card_timeout_seconds", "")
        ok = timeout.isdigit() and 10 <= int(timeout) <= 120
        results.append(("card_timeout_seconds is between 10 and 120", ok, f"it is {timeout or 'missing'}"))
    return results


# --- reading a repository safely (grading) -------------------------------------------------------
#
# The grader reads repositories that learners built, possibly as root, so nothing here runs a
# program or follows a path the repository names. Their .git folder is first copied with
# safe_files (no symlink is ever followed, even one swapped in during the copy), the files that
# point git elsewhere are dropped from the copy and its config is replaced, so nothing the learner
# wrote into it is read; then dulwich, a library that only parses, reads the copy.

_COPY_FILES = 20_000
_COPY_BYTES = 200_000_000
_MAX_OBJECT = 16_000_000   # the most any tree, commit or delta base may unpack to
_MAX_CHAIN = 250           # the longest chain of deltas followed (git's deepest is 4095, its default 50)
_POINTERS = ("commondir", "gitdir", "config.worktree", "worktrees", "objects/info/alternates",
             "objects/info/http-alternates",
             "objects/pack/multi-pack-index")  # not a pointer, but it could send dulwich to an entry unchecked
_PLAIN_CONFIG = b"[core]\n\trepositoryformatversion = 0\n\tbare = true\n"
_KINDS = {b"commit": 1, b"tree": 2, b"blob": 3, b"tag": 4}
_HEX = re.compile(rb"[0-9a-f]{40}")


def _repo_root(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise KitError(f"path must be the repository's folder as text (repo.path), not a {type(path).__name__}.")
    root = os.fspath(path)
    try:
        kind = stat.S_IFMT(os.lstat(os.path.join(root, ".git")).st_mode)
    except OSError:
        kind = None
    if kind == stat.S_IFREG:
        raise KitError(f"{root!r} has a .git file that points to a git folder elsewhere: only a repository with its "
                       "own .git folder can be read.")
    if kind != stat.S_IFDIR or os.path.islink(root):
        raise KitError(f"{root!r} is not a git repository folder: pass repo.path of a practice repository.")
    return root


@contextlib.contextmanager
def _private_copy(root: str):
    """The repository's .git folder, copied to a new private folder and opened with dulwich; deleted afterwards."""
    scratch = tempfile.mkdtemp(prefix="tpmkit-read-")
    try:
        git_dir = os.path.join(scratch, "git")
        safe_files.copy_tree(os.path.join(root, ".git"), git_dir, max_files=_COPY_FILES, max_bytes=_COPY_BYTES)
        for name in _POINTERS:
            target = os.path.join(git_dir, name)
            if os.path.isdir(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.remove(target)
        os.makedirs(os.path.join(git_dir, "objects"), exist_ok=True)
        with open(os.path.join(git_dir, "config"), "wb") as handle:  # no includes, extensions or worktree
            handle.write(_PLAIN_CONFIG)
        repo = Repo(git_dir, bare=True)
        repo.object_store.loose_object_size_limit = _MAX_OBJECT  # a loose object whose header lies stops here
        try:
            yield repo
        finally:
            repo.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """A delta header's size: 7 bits a byte, lowest first. Returns (value, position after it)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


class _Objects:
    """The objects of a private copy, each unpacked only once its headers say that is small enough.

    dulwich unpacks a whole object, and every delta base under it, to read it. A file of zeros
    compresses a thousand to one, so sizes are read from headers first: (kind, size, heaviest),
    where `heaviest` is the most that reading the object unpacks at once. Answers are remembered,
    so objects stored many times or sharing delta bases are read once.
    """

    def __init__(self, store):
        self.store = store
        self._headers: dict[object, tuple[int, int, int] | None] = {}

    def header(self, sha: str, depth: int = 0) -> tuple[int, int, int] | None:
        """(kind, size, heaviest) of object `sha`, or None if it is missing; every stored copy is checked."""
        if sha not in self._headers:
            found = []
            for pack in self.store.packs:
                try:
                    offset = pack.index.object_offset(bytes.fromhex(sha))
                except KeyError:
                    continue
                found.append(self._packed(pack.data.path, offset, depth))
            loose = os.path.join(self.store.path, sha[:2], sha[2:])
            if os.path.isfile(loose):
                with open(loose, "rb") as handle:
                    head = zlib.decompressobj().decompress(handle.read(512), 64)
                kind, _, size = head.split(b"\0", 1)[0].partition(b" ")
                found.append((_KINDS[kind], int(size), int(size)))
            # Whichever copy dulwich reads, none unpacks more than the heaviest.
            self._headers[sha] = (found[0][0], found[0][1], max(h[2] for h in found)) if found else None
        return self._headers[sha]

    def _packed(self, path: str, offset: int, depth: int) -> tuple[int, int, int]:
        """(kind, size, heaviest) of the pack entry at `offset`, following its chain of delta bases."""
        if depth >= _MAX_CHAIN:
            raise KitError(f"The repository holds a chain of more than {_MAX_CHAIN} deltas: too deep to read.")
        if (path, offset) in self._headers:
            return self._headers[path, offset]
        with open(path, "rb") as handle:
            handle.seek(offset)
            head = handle.read(512)
        byte, pos = head[0], 1
        kind, length, shift = (byte >> 4) & 7, byte & 0x0F, 4
        while byte & 0x80:
            byte, pos = head[pos], pos + 1
            length |= (byte & 0x7F) << shift
            shift += 7
        if kind in (1, 2, 3, 4):
            found = (kind, length, length)
        elif kind in (6, 7):
            if kind == 6:  # OFS_DELTA: the base is an earlier entry of the same pack
                byte, pos = head[pos], pos + 1
                back = byte & 0x7F
                while byte & 0x80:
                    byte, pos = head[pos], pos + 1
                    back = ((back + 1) << 7) | (byte & 0x7F)
                if not 0 < back <= offset:
                    raise ValueError("a delta's base is not before it")
                base = self._packed(path, offset - back, depth + 1)
            else:  # REF_DELTA: the base is named by its hash
                base, pos = self.header(head[pos:pos + 20].hex(), depth + 1), pos + 20
                if base is None:
                    raise ValueError("a delta's base is missing")
            delta = zlib.decompressobj().decompress(head[pos:], 32)
            source, at = _varint(delta, 0)
            target, _ = _varint(delta, at)
            found = (base[0], target, max(length, source, target, base[2]))
        else:
            raise ValueError(f"pack entry of unknown type {kind}")
        self._headers[path, offset] = found
        return found

    def load(self, sha: str | None, kind: int | None = None):
        """The object `sha`, or None if it is missing or not of `kind`; KitError if reading it would unpack too
        much."""
        found = self.header(sha) if sha and _HEX.fullmatch(sha.encode()) else None
        if found is None or (kind is not None and found[0] != kind):
            return None
        return self._unpack(sha, found)

    def _unpack(self, sha: str, found: tuple[int, int, int]):
        if found[2] > _MAX_OBJECT:
            raise KitError(f"The repository holds an object of more than {_MAX_OBJECT} bytes: too large to read.")
        return self.store[sha.encode()]

    def peel(self, sha: str | None):
        """The object `sha` names, with tags followed to what they tag (as git's ^{} does)."""
        obj = self.load(sha)
        for _ in range(10):
            if not isinstance(obj, Tag):
                return obj
            obj = self.load(obj.object[1].decode())
        return None

    def text(self, sha: str) -> str:
        """A file's normalised text; "" if it is missing or not a file; only its size if over 1 MB."""
        found = self.header(sha)
        if found is None or found[0] != Blob.type_num:
            return ""
        if found[1] > _MAX_BYTES:
            return _normalise(f"<a file of {found[1]} bytes, too large to show>")
        return _normalise(_text(self._unpack(sha, found).as_raw_string()))

    def files(self, commit: str | None) -> dict[str, str]:
        """path -> text of every file in a commit's tree (sub-folders included; submodules skipped)."""
        top = self.peel(commit)
        tree = top.tree.decode() if isinstance(top, Commit) else commit if isinstance(top, Tree) else None
        files: dict[str, str] = {}
        pending = [("", tree)] if tree else []
        while pending:
            level, pending = pending, []
            blobs = []
            for prefix, sha in level:
                folder = self.load(sha, Tree.type_num)
                for entry in folder.iteritems() if folder is not None else ():
                    name = f"{prefix}{_text(entry.path)}"
                    if entry.mode == 0o040000:
                        pending.append((name + "/", entry.sha.decode()))
                    elif entry.mode != 0o160000:
                        blobs.append((name, entry.sha.decode()))
            if len(files) + len(blobs) > _MAX_FILES:
                raise KitError(f"The repository holds more than {_MAX_FILES} files: too many to summarise.")
            for path, sha in blobs:
                files[path] = self.text(sha)
        return dict(sorted(files.items()))


def _ref(repo: Repo, name: bytes) -> tuple[str, str | None]:
    """(the ref that `name` ends at after symbolic refs, its commit hash or None)."""
    names, sha = repo.refs.follow(name)
    sha = sha.decode() if sha and _HEX.fullmatch(sha) else None
    return _text(names[-1] if names else b""), sha


def _merge_head(repo: Repo) -> bool:
    """Is a merge under way? MERGE_HEAD (which dulwich's refs do not read) names a commit, as git checks it."""
    try:
        with open(os.path.join(repo.controldir(), "MERGE_HEAD"), "rb") as handle:  # the private copy's
            line = handle.read(200).split(b"\n", 1)[0]
    except OSError:
        return False
    return bool(_HEX.fullmatch(line[:40])) and (len(line) == 40 or line[40:41].isspace())


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _normalise(text: str) -> str:
    """Line endings as \\n, no trailing spaces, no blank lines at the start or end."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _worktree_has_markers(root: str, index: Index) -> bool:
    """Do any tracked files in the working folder hold conflict markers? Read with safe_files, never through git."""
    for raw in itertools.islice(index.paths(), _MAX_FILES):
        try:
            data = safe_files.read_file(root, os.fsdecode(raw), max_bytes=_MAX_BYTES)
        except KitError:  # a symlink, a folder, a file gone or too large: not a text file to check
            continue
        if _MARKER.search(_text(data)):
            return True
    return False


def summary(path) -> dict:
    """The state of the repository at `path` as plain data, for self-checks and grading.

    - `branch`: the branch checked out, or None when HEAD is detached;
    - `merge_in_progress`: a merge was started and not yet committed (or files are still unmerged);
    - `conflict_markers`: a tracked file (in the working folder or on main) still holds a
      `<<<<<<<` or `>>>>>>>` line;
    - `head_parents`: how many parents the current commit has (2 for a merge commit, 0 if none);
    - `files_on_main`: path -> text of every file in main's latest commit, with line endings as
      \\n and trailing spaces and blank lines at either end trimmed.

    Nothing is run, not even git: a private copy of `.git` is read with dulwich, and the working
    folder's tracked files are opened without following symlinks. See "reading a repository safely".
    """
    root = _repo_root(path)
    try:
        with _private_copy(root) as repo:
            objects = _Objects(repo.object_store)
            ref, head = _ref(repo, b"HEAD")
            index_file = os.path.join(repo.controldir(), "index")
            index = Index(index_file) if os.path.isfile(index_file) else None
            merging = _merge_head(repo) or bool(index and index.has_conflicts())
            commit = objects.peel(head)
            files = objects.files(_ref(repo, b"refs/heads/main")[1])
            markers = any(_MARKER.search(text) for text in files.values()) or bool(
                index and _worktree_has_markers(root, index))
    except KitError:
        raise
    except Exception as error:  # hostile input: one line, and nothing read from the repository in it
        raise KitError(f"{root!r} could not be read as a git repository ({type(error).__name__}): it looks "
                       "damaged, so make the practice repository again.") from None
    return {
        "branch": ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None,
        "merge_in_progress": merging,
        "conflict_markers": markers,
        "head_parents": len(commit.parents) if isinstance(commit, Commit) else 0,
        "files_on_main": files,
    }


def check_finished(path) -> None:
    """Visible self-check: the repository has no merge in progress, no conflict markers and a branch checked out.

    It checks that the work looks finished, not that it is right: hidden tests compare the files
    and the history with what the question states.
    """
    state = summary(path)
    if state["merge_in_progress"]:
        raise CheckFailed("A merge is still in progress: fix the conflicted files, git add them, then git commit.")
    if state["conflict_markers"]:
        raise CheckFailed("A file still holds conflict markers (lines starting <<<<<<< or >>>>>>>): "
                          "remove them and commit again.")
    if state["branch"] is None:
        raise CheckFailed("No branch is checked out (HEAD is detached): git switch to the branch the question names.")
    print("✓ No merge in progress and no conflict markers. Hidden tests check the files and the history when graded.")


# --- the repositories the lesson and the exercise start from ------------------------------------

README = """# Tillpoint till app

Settings and the receipt template for the Tillpoint till,
the app small shops use to take payments.
Every change goes through a pull request: CI checks each push,
and a reviewer approves before anything is merged into main.
"""
_SETTINGS = {  # name -> value, in the order the file lists them
    "currency": '"GBP"',
    "card_timeout_seconds": "30",
    "tip_options": "[]",
    "contactless_limit": "100",
    "refund_window_days": "30",
    "receipt_footer": '"Thank you for shopping local!"',
}
_RECEIPT = ["{shop_name}", "{date} {time}", "{items}", "Total: {total}", "Paid by card ending {last4}",
            "Refunds within 30 days with this receipt.", "{receipt_footer}"]


def _settings(**changes: str) -> str:
    """The till's settings.toml with some values changed (new names go at the end)."""
    values = {**_SETTINGS, **changes}
    return "# Till settings for every Tillpoint shop\n" + "".join(f"{k} = {v}\n" for k, v in values.items())


def _receipt(*, drop: tuple[str, ...] = (), after: dict[str, str] | None = None) -> str:
    lines = []
    for line in _RECEIPT:
        if line not in drop:
            lines.append(line)
            if after and line in after:
                lines.append(after[line])
    return "\n".join(lines) + "\n"


def practice_repo() -> Sandbox:
    """The lesson's repository: three commits on main (pushed to origin) and a teammate's branch to review.

    The teammate's branch, `refund-window`, shortens the refund window to 14 days.
    """
    repo = Sandbox("till-app")
    repo._commit(PRIYA, "Start the till app", {"README.md": README})
    repo._commit(PRIYA, "Add the till settings", {"settings.toml": _settings()})
    repo._commit(SAM, "Add the receipt template", {"receipt.txt": _receipt()})
    repo._must(["push", "--quiet", "-u", "origin", "main"])
    repo._must(["switch", "--quiet", "-c", "refund-window"])
    repo._commit(SAM, "Shorten the refund window to 14 days", {"settings.toml": _settings(refund_window_days="14")})
    repo._must(["push", "--quiet", "-u", "origin", "refund-window"])
    repo._must(["switch", "--quiet", "main"])
    return repo


_REFUND_STEPS = ["Add a refund button to the till", "Ask for the manager's PIN on refunds", "Print a refund slip",
                 "Refuse refunds older than the refund window", "Log every refund for the accountant",
                 "Show refunds in the daily takings", "Let shops refund to a different card",
                 "Email the customer a refund receipt", "Count refunds in the end-of-day report"]


def merge_demo(method: str | None, commits: int = 3) -> Sandbox:
    """A repository where the branch `refunds` (`commits` commits) was merged into main with `method`.

    Main gets one teammate's commit after the branch started, as in real life, so the three
    methods give three different histories. `method=None` leaves the branch unmerged.
    """
    if method is not None and method not in MERGE_METHODS:
        raise KitError(f"method must be one of {', '.join(MERGE_METHODS)} (or None for unmerged), not {method!r}.")
    if isinstance(commits, bool) or not isinstance(commits, int) or not 1 <= commits <= len(_REFUND_STEPS):
        raise KitError(f"commits must be a whole number from 1 to {len(_REFUND_STEPS)}, not {commits!r}.")
    repo = Sandbox("refunds-demo")
    repo._commit(PRIYA, "Start the till app", {"README.md": README, "settings.toml": _settings()})
    repo._commit(SAM, "Add the receipt template", {"receipt.txt": _receipt()})
    repo._must(["switch", "--quiet", "-c", "refunds"])
    notes = "# Refunds\n\n"
    for step in _REFUND_STEPS[:commits]:
        notes += f"- {step}\n"
        repo._commit(ALEX, step, {"refunds.md": notes})
    repo._must(["switch", "--quiet", "main"])
    repo._commit(PRIYA, "Give slow card readers 45 seconds", {"settings.toml": _settings(card_timeout_seconds="45")})
    if method is not None:
        _merge(repo, "refunds", method, number=7, title="Add refunds", author=ALEX)
    return repo


def conflict_demo() -> Sandbox:
    """The lesson's conflict: main and the branch `new-year` both changed the receipt footer."""
    repo = Sandbox("footer-demo")
    repo._commit(PRIYA, "Start the till app", {"README.md": README, "settings.toml": _settings(),
                                              "receipt.txt": _receipt()})
    repo._must(["switch", "--quiet", "-c", "new-year"])
    repo._commit(LEARNER, "Wish customers a happy new year",
                 {"settings.toml": _settings(receipt_footer='"Happy new year from all of us!"')})
    repo._must(["switch", "--quiet", "main"])
    repo._commit(SAM, "Thank customers in Welsh too",
                 {"settings.toml": _settings(receipt_footer='"Diolch! Thank you for shopping local!"')})
    return repo


EXERCISE_FOLDER = "tpmkit-exercise-repo"   # under TMPDIR, in a grading kernel


class RepoView:
    """The grader's view of a submission's exercise repository: where it is, and nothing that runs git.

    Tests read it with `summary(repo_path)`, which only parses (see the module docstring)."""

    def __init__(self, path: str):
        self.path = path

    def graph(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"exercise repository at {self.path} (read-only view)"


def exercise_repo() -> Sandbox | RepoView:
    """The repository exercise 02 starts from: main and three branches (`receipt-email`, `tip-jar`,
    `faster-checkout`). Merging `tip-jar` into main conflicts in settings.toml.

    While grading, the kernel makes it at a place the grader knows (its TMPDIR), and the grader's own
    replica of the setup (tpmkit.replica) gets a read-only view of that place: the path a test reads
    is the course's, never a value the learner could rebind."""
    building = replica.current()
    if building is not None:
        return RepoView(str(building.scratch / "tmp" / EXERCISE_FOLDER / "till-app"))
    grading = os.environ.get("TPMKIT_GRADING") == "1"
    repo = Sandbox("till-app", root=os.path.join(tempfile.gettempdir(), EXERCISE_FOLDER) if grading else None)
    repo._commit(PRIYA, "Start the till app", {"README.md": README, "settings.toml": _settings(
        contactless_limit="45"), "receipt.txt": _receipt(drop=(_RECEIPT[4], _RECEIPT[5]))})
    repo._commit(SAM, "Show the card's last four digits on receipts",
                 {"receipt.txt": _receipt(drop=(_RECEIPT[5],))})
    repo._commit(PRIYA, "Accept contactless payments up to 100 GBP", {"settings.toml": _settings()})
    repo._must(["switch", "--quiet", "-c", "receipt-email"])
    repo._commit(SAM, "Add an e-mail receipt option", {"settings.toml": _settings(email_receipts="false")})
    repo._commit(SAM, "Write the e-mail receipt", {"email_receipt.txt": "Your receipt from {shop_name}\n\n"
                                                   "{items}\nTotal: {total}\n"})
    repo._must(["switch", "--quiet", "main"])
    repo._commit(SAM, "Print the refund policy on receipts", {"receipt.txt": _receipt()})
    repo._must(["switch", "--quiet", "-c", "tip-jar"])
    repo._commit(ALEX, "Offer tips of 10, 15 and 20%", {"settings.toml": _settings(tip_options="[10, 15, 20]")})
    repo._commit(ALEX, "Show the tip on the receipt", {"receipt.txt": _receipt(after={"{items}": "Tip: {tip}"})})
    repo._must(["switch", "--quiet", "main"])
    repo._commit(PRIYA, "Give slow card readers 45 seconds", {"settings.toml": _settings(card_timeout_seconds="45")})
    repo._must(["switch", "--quiet", "-c", "faster-checkout"])
    repo._commit(SAM, "Speed up checkout", {"settings.toml": _settings(card_timeout_seconds="8",
                                                                            contactless_limit="1000")})
    repo._must(["switch", "--quiet", "main"])
    repo._must(["push", "--quiet", "origin", "main", "receipt-email", "tip-jar", "faster-checkout"])
    return repo


# --- pictures ------------------------------------------------------------------------------------

def _history(repo: Sandbox) -> tuple[list[tuple[str, list[str], str]], dict[str, str]]:
    """Commits oldest first as (hash, parents, subject), and branch name -> tip hash."""
    log = repo._must(["log", "--branches", "--date-order", "--reverse", "--format=%H %P%x09%s"])
    commits = []
    for line in log.splitlines():
        hashes, subject = line.split("\t", 1)
        first, *parents = hashes.split()
        commits.append((first, parents, subject))
    refs = repo._must(["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"])
    return commits, dict(line.split() for line in refs.splitlines())


class _Picture(Figure):
    """A Figure that Jupyter shows as an image even before pyplot has set up inline plotting."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def history_figure(repos: dict[str, Sandbox]) -> Figure:
    """Draw the branch histories of several practice repositories, one row each (title -> repository).

    Main's own line of commits runs along the bottom; other branches' commits sit above it. A
    diamond is a merge commit (two parents). Each row's title says how many commits main holds.
    """
    if not isinstance(repos, dict) or not repos or not all(isinstance(r, Sandbox) for r in repos.values()):
        raise KitError("repos must be a dict of practice repositories, such as {'merge': repo1, 'squash': repo2}.")
    fig = _Picture(figsize=(10, 1.9 * len(repos) + 0.4), layout="constrained")
    axes = fig.subplots(len(repos), 1, squeeze=False)[:, 0]
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
    for ax, (title, repo) in zip(axes, repos.items(), strict=True):
        commits, tips = _history(repo)
        index = {sha: i for i, (sha, _, _) in enumerate(commits)}
        parents = {sha: ps for sha, ps, _ in commits}
        lane: dict[str, int] = {}
        order = ["main"] + sorted(b for b in tips if b != "main")
        for n, branch in enumerate(b for b in order if b in tips):
            sha = tips[branch]
            while sha in index and sha not in lane:
                lane[sha] = n
                sha = parents[sha][0] if parents[sha] else None
        for sha, ps, subject in commits:
            x, y = index[sha], lane.get(sha, 1)
            for p in ps:
                if p in index:
                    ax.plot([index[p], x], [lane.get(p, 1), y], color="#999999", lw=1.5, zorder=1)
            merge = len(ps) > 1
            ax.scatter([x], [y], s=110 if merge else 70, marker="D" if merge else "o",
                       color=colours[y % len(colours)], zorder=2, edgecolor="black", linewidth=0.6)
            ax.annotate(subject if len(subject) <= 26 else subject[:25] + "…", (x, y), textcoords="offset points",
                        xytext=(0, 9), rotation=22, fontsize=7, ha="left", va="bottom")
        names: dict[str, list[str]] = {}
        for branch, sha in tips.items():
            names.setdefault(sha, []).append(branch)
        for sha, branches in names.items():
            if sha in index:
                ax.annotate(", ".join(sorted(branches)), (index[sha], lane.get(sha, 1)), textcoords="offset points",
                            xytext=(8, -12), fontsize=8, fontweight="bold",
                            color=colours[lane.get(sha, 1) % len(colours)])
        on_main = int(repo._must(["rev-list", "--count", "main"]).strip())
        ax.set_title(f"{title}: main holds {on_main} commits", loc="left", fontsize=10)
        ax.set_xlim(-0.5, len(commits) + 1.5)
        ax.set_ylim(-0.6, max(lane.values(), default=0) + 1.4)
        ax.set_yticks([])
        ax.set_xticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlabel("older  →  newer (one dot per commit; ◆ = merge commit with two parents)")
    return fig
