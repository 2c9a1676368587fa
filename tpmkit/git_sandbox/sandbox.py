"""`Sandbox`: a practice repository and its "origin", run with the real `git` in a throwaway folder.

`Sandbox` runs the real `git` binary in a fresh temporary folder (a `tpmkit.scratch_folder`) that
holds the practice repository and a bare "origin" repository to push to. It never reads or changes
the learner's own repositories or git settings: every command runs with an empty global config of
its own, no system config, fixed names and e-mail addresses, no hooks, no pager, no signing and no
network. Each commit gets a fixed time stamp from the sandbox's own clock, so the same steps give
the same commit hashes on every machine (a planted merge base is a fixed answer).

Reading a repository for grading never runs git: `Sandbox.summary()` goes through
`tpmkit.git_reader`, like the grader does.
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tpmkit import git_reader
from tpmkit.errors import KitError
from tpmkit.scratch_folder import ScratchFolder, ScratchOwner

if TYPE_CHECKING:
    from tpmkit.git_sandbox.pull_requests import PullRequest

__all__ = ["ALEX", "CLOCK_START", "CLOCK_STEP", "GIT_MISSING", "LEARNER", "PRIYA", "SAM", "Sandbox"]

GIT_MISSING = "git is not installed: install it from https://git-scm.com and restart the kernel."

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
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_PREFIX = "tpmkit-git-"


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


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else "no message").rstrip(".")


# --- the practice repository ---------------------------------------------------------------------

class Sandbox(ScratchOwner):
    """A practice repository (`.path`) and a bare "origin" (`.origin`) in a new temporary folder.

    Nothing is written outside that folder. `cleanup()` deletes it; so does leaving a `with`
    block, and so does Python when the sandbox is no longer used or the kernel stops.
    """

    _cleaned_up_message = ("This practice repository was cleaned up: make a new one, for example "
                           "git_sandbox.practice_repo().")

    def __init__(self, name: str = "till-app", *, root: str | None = None):
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise KitError(f"name must be a short lower-case folder name such as 'till-app', not {name!r}.")
        self._git = _git_binary()
        try:  # root: a place the grader knows (see exercise_repo); otherwise a new random folder
            self._scratch = ScratchFolder(_PREFIX, path=root)
        except FileExistsError:
            raise KitError("The exercise repository was already made in this kernel: use the `repo` "
                           "the setup cell made.") from None
        self._root = self._scratch.path
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

    # -- lifecycle: cleanup(), cleaned_up and `with` come from ScratchOwner --
    def __repr__(self) -> str:
        where = "deleted" if self.cleaned_up else "in a temporary folder; see .path"
        return f"<git sandbox '{self.name}': a practice repository {where}>"

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
        from tpmkit.git_sandbox.pull_requests import PullRequest  # it needs Sandbox: imported on use

        return PullRequest(self, branch, title)

    def summary(self) -> dict:
        """The repository's state as plain data: see `summary(path)`."""
        self._alive()
        return git_reader.summary(self.path)

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

