"""Pull requests in the git sandbox: review, CI checks and the three ways a code host merges into main."""

from __future__ import annotations

import re

from tpmkit.errors import KitError
from tpmkit.git_reader import CONFLICT_MARKER, commit_files
from tpmkit.git_sandbox.sandbox import LEARNER, Sandbox

__all__ = ["MERGE_METHODS", "PullRequest", "merge_branch"]

MERGE_METHODS = ("merge", "squash", "rebase")


# --- merging -------------------------------------------------------------------------------------

def merge_branch(repo: Sandbox, branch: str, method: str, *, number: int, title: str,
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
        results = _ci_checks(commit_files(self.repo.path, tip))
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
        merge_branch(self.repo, self.branch, method, number=self.number, title=self.title, echo=True)
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
    marked = sorted(path for path, text in files.items() if CONFLICT_MARKER.search(text))
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
