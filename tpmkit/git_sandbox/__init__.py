"""A throwaway git repository for practising pull requests (lesson and exercise 02).

    repo = practice_repo()                 # a Tillpoint repository with a few commits
    repo.git("switch", "-c", "tip-jar")    # prints what git says (and returns None, so a notebook
                                           # shows git's output once, not again as a quoted string)
    repo.write("settings.toml", text)      # change a file
    repo.output("rev-parse", "HEAD")       # what git printed, as text, for answers
    repo.graph()                           # git log --graph --oneline --all
    repo.cleanup()                         # or: with practice_repo() as repo: ...

The package, one concern a module:
- `sandbox`: `Sandbox`, real git isolated from the learner's own, in a folder that deletes itself;
- `pull_requests`: `PullRequest` (review, CI, merge rules) and the three merge methods;
- `lesson_repos`: the repositories the lesson and the exercise start from;
- `pictures`: `history_figure`, branch histories side by side.

`summary(path)` and `check_finished(path)` come from `tpmkit.git_reader`, the grader-side reader,
which runs nothing (not even git) and follows no link. The sandbox lives under the temporary
folder (`TMPDIR`), which the grading kernel shares with the grader, so the grader can read it with
`summary(repo.path)` in its own process.
"""

from tpmkit.git_reader import check_finished, summary
from tpmkit.git_sandbox.lesson_repos import (
    EXERCISE_FOLDER,
    README,
    RepoView,
    conflict_demo,
    exercise_repo,
    merge_demo,
    practice_repo,
)
from tpmkit.git_sandbox.pictures import history_figure
from tpmkit.git_sandbox.pull_requests import MERGE_METHODS, PullRequest
from tpmkit.git_sandbox.sandbox import ALEX, CLOCK_START, CLOCK_STEP, GIT_MISSING, LEARNER, PRIYA, SAM, Sandbox

__all__ = ["ALEX", "CLOCK_START", "CLOCK_STEP", "EXERCISE_FOLDER", "GIT_MISSING", "LEARNER", "MERGE_METHODS", "PRIYA",
           "README", "SAM", "PullRequest", "RepoView", "Sandbox", "check_finished", "conflict_demo", "exercise_repo",
           "history_figure", "merge_demo", "practice_repo", "summary"]
