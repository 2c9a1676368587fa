"""`tpm-grade publish learner DEST`: the learner's repository, built from this one, without the answers.

It holds what a learner works with: the lessons and quiz banks (`course/`), the released exercises
(`exercises/`, self-checks only), the `tpmkit` package the notebooks import, the grading package (so
`tpm-grade ci` runs the self-checks on a learner's own repository), the lab setup, a README for learners
and a Makefile with `make lab` and `make check`. It holds nothing a learner could read an expected value
from: no `solutions/`, no tests (their misconception files and recomputed keys hold answers), no instructor
documents, no development tools that read the solutions. Only files git tracks travel (as they are in the
working tree), so nothing left over in a working copy that git does not know goes with them;
`tests/packaging/test_learner_kit.py` scans the result for every hidden test line and expected value.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from autograder import defaults
from autograder.errors import GradeError

KIT_ROOT = defaults.KIT_ROOT
# Committed paths that travel (a folder means everything committed under it).
INCLUDE = ("course", "exercises", "tpmkit", "autograder", "jupyter-config", "pyproject.toml", "environment.yml",
           ".gitignore", "scripts/install-system-packages.sh", "docs/learning.md",
           "templates/ci/github-actions.yml", "templates/ci/github-classroom.yml", "templates/ci/gitlab-ci.yml")
# Development tools inside the shipped packages that read solutions/ or the tests (the benchmarks are in bench/,
# which does not travel).
EXCLUDE = ("autograder/scratch.py",)
LEARNER_TEMPLATES = KIT_ROOT / "templates" / "learner"


class PublishError(GradeError):
    """The kit cannot be published as asked; one sentence says why."""


def committed_files(root: Path) -> list[str]:
    """Paths git tracks in `root`, as it has them now (committed or staged)."""
    done = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True)  # noqa: S607 - the instructor's own git, from PATH
    if done.returncode != 0:
        raise PublishError(f"{root} is not a git checkout of the kit (git ls-files failed: "
                           f"{done.stderr.strip()[:200]}).")
    return [p for p in done.stdout.split("\0") if p]


def _travels(path: str) -> bool:
    if path in EXCLUDE:
        return False
    return any(path == item or path.startswith(item + "/") for item in INCLUDE)


def learner_readme(root: Path) -> str:
    """The kit's README for learners: its opening, "For learners" and "Modules", then the learner kit's own
    sections (from templates/learner/README-tail.md)."""
    text = (root / "README.md").read_text(encoding="utf-8")
    sections = re.split(r"(?m)^(?=## )", text)
    keep = [sections[0]] + [s for s in sections[1:] if s.startswith(("## For learners", "## Modules"))]
    tail = (LEARNER_TEMPLATES / "README-tail.md").read_text(encoding="utf-8")
    return "".join(keep).rstrip() + "\n\n" + tail


def build(dest: Path, root: Path = KIT_ROOT) -> list[str]:
    """Write the learner kit into `dest` (which must not exist, or be empty); the paths written, sorted."""
    dest = Path(dest).resolve()
    root = Path(root).resolve()
    if dest == root or dest.is_relative_to(root):
        raise PublishError(f"{dest} is inside the kit; publish the learner kit to a folder outside it.")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise PublishError(f"{dest} already exists and is not empty; give a new folder.")
    written = []
    for path in committed_files(root):
        source = root / path
        if not _travels(path) or not source.is_file() or source.is_symlink():
            continue
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)   # times kept: make compares them
        written.append(path)
    (dest / "README.md").write_text(learner_readme(root), encoding="utf-8")
    shutil.copy2(LEARNER_TEMPLATES / "Makefile", dest / "Makefile")
    written += ["README.md", "Makefile"]
    return sorted(written)


def init_repository(dest: Path) -> bool:
    """Make `dest` a git repository with one commit, when git is there; False when it is not."""
    if shutil.which("git") is None:
        return False
    identity = ["-c", "user.name=TPM Kit", "-c", "user.email=tpm-kit@localhost", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                    [*identity, "commit", "-q", "-m", "TPM Kit for learners (tpm-grade publish learner)"]):
        subprocess.run(["git", *command], cwd=dest, check=True, capture_output=True)  # noqa: S607 - the instructor's own git, from PATH
    return True


def main(*, dest: Path, root: Path = KIT_ROOT) -> int:
    written = build(dest, root)
    committed = init_repository(Path(dest))
    print(f"Published the learner kit to {dest}: {len(written)} files"
          f"{', committed as a new git repository' if committed else ''}.")
    print("Learners run `make lab` in it; push it as the repository learners clone or fork.")
    return 0
