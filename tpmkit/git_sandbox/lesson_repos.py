"""The repositories the git lesson and exercise 02 start from, built with real git in a sandbox.

Each builder replays the same commits, by the same people, on the sandbox's fixed clock, so every
machine gets the same commit hashes.
"""

from __future__ import annotations

import os
import tempfile

from tpmkit import replica
from tpmkit.errors import KitError
from tpmkit.git_sandbox.pull_requests import MERGE_METHODS, merge_branch
from tpmkit.git_sandbox.sandbox import ALEX, LEARNER, PRIYA, SAM, Sandbox

__all__ = ["EXERCISE_FOLDER", "README", "RepoView", "conflict_demo", "exercise_repo", "merge_demo", "practice_repo"]

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
        merge_branch(repo, "refunds", method, number=7, title="Add refunds", author=ALEX)
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

    Tests read it with `summary(repo_path)`, which only parses (see tpmkit.git_reader)."""

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
