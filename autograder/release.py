"""`tpm-grade release`: build the student versions in exercises/ from solutions/ with nbgrader.

nbgrader runs in a scratch course folder, so no gradebook or log is left in the repository, and
its output replaces exercises/ID/ whole, so a removed file does not linger.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import notebooks


class ReleaseError(RuntimeError):
    """Releasing could not be done; the message says why and what to do."""


def assignment_ids(root: Path) -> list[str]:
    source = root / "solutions"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def nbgrader_env() -> dict:
    """Environment for nbgrader subprocesses: this Python's bin/ first (nbgrader runs `alembic`)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


_GENERIC = ("see the above traceback", "please see the error message", "there was an error processing")


def nbgrader_cause(stderr: str) -> str:
    """The line of an nbgrader run's error output that says what went wrong: the last exception line of a
    traceback, else the last log line that is not one of nbgrader's "see above" pointers."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    exceptions = [line for line in lines if not line.startswith(("[", "File ", "^", "~")) and ": " in line
                  and line.split(":", 1)[0].replace(".", "").isidentifier() and line.split(":", 1)[0][:1].isupper()]
    if exceptions:
        return exceptions[-1]
    useful = [line for line in lines if not any(g in line.lower() for g in _GENERIC)]
    return (useful or lines or ["(no output)"])[-1]


def generate(*, root: Path, dest: Path, ids: list[str] | None = None) -> list[Path]:
    """Generate the student version of each assignment into dest/ID/; return the notebooks written."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    known = assignment_ids(root)
    ids = ids or known
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ReleaseError(f"No exercise source for {', '.join(unknown)}: expected solutions/ID/ID.ipynb "
                           f"(known: {', '.join(known) or 'none'}).")
    written = []
    with tempfile.TemporaryDirectory(prefix="tpm-release-") as scratch:
        course = Path(scratch)
        for aid in ids:
            shutil.copytree(root / "solutions" / aid, course / "source" / aid,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for aid in ids:  # nbgrader takes one assignment id per call
            command = [sys.executable, "-m", "autograder.nbgrader_command", "generate_assignment", aid, "--no-db",
                       "--force", f"--CourseDirectory.root={course}", "--CourseDirectory.source_directory=source",
                       "--CourseDirectory.release_directory=release"]
            done = subprocess.run(command, cwd=course, env=nbgrader_env(), capture_output=True, text=True)
            if done.returncode != 0:
                raise ReleaseError(f"nbgrader could not generate {aid}: {nbgrader_cause(done.stderr)}")
        for aid in ids:
            target = dest / aid
            if target.exists():
                shutil.rmtree(target)
            for path in sorted((course / "release" / aid).glob("*.ipynb")):
                nb = notebooks.strip(notebooks.read(path))
                notebooks.write(nb, target / path.name)
                written.append(target / path.name)
    return written


def main(*, root: Path, ids: list[str] | None = None, dest: Path | None = None) -> int:
    root = Path(root)
    written = generate(root=root, dest=dest or root / "exercises", ids=ids)
    for path in written:
        print(f"released {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0
