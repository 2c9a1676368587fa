"""`tpm-grade`: the instructor's command line. Each subcommand is a thin call into a module's main()."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import ci, grade, notebooks, release
from autograder.assignment import AssignmentError
from autograder.gradebook import GradebookError
from autograder.sandbox import SandboxUnavailable
from autograder.submissions import SubmissionError

KIT_ROOT = Path(__file__).resolve().parent.parent


def _strip(args) -> int:
    for path in args.paths:
        nb = notebooks.read(path)
        notebooks.write(notebooks.strip(nb), path)
        print(f"stripped {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tpm-grade", description="Release and grade TPM Kit exercises.")
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="regenerate exercises/ID/ from solutions/ID/ with nbgrader")
    rel.add_argument("ids", nargs="*", help="assignment ids such as 07-slos (default: all)")
    rel.add_argument("--course", type=Path, default=KIT_ROOT, help="course root (default: this kit)")
    rel.add_argument("--dest", type=Path, default=None, help="where to write (default: COURSE/exercises)")
    rel.set_defaults(run=lambda a: release.main(root=a.course, ids=a.ids, dest=a.dest))

    gr = sub.add_parser("grade", help="grade submissions in a sandbox; tests never run in the learner's process")
    gr.add_argument("submissions", nargs="+", type=Path,
                    help="notebook files (student id = file stem), folders of student folders, or zips of those")
    gr.add_argument("--assignment", "-a", required=True, help="assignment id, such as 07-slos")
    gr.add_argument("--course", type=Path, default=KIT_ROOT,
                    help="course root holding solutions/ID/ (default: this kit)")
    gr.add_argument("--json", type=Path, default=None, dest="json_path", help="write the score report here")
    gr.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: CPU cores)")
    gr.add_argument("--timeout", type=float, default=30.0, help="seconds one cell may run (default: 30)")
    gr.add_argument("--force", action="store_true", help="grade again submissions already graded")
    gr.add_argument("--db-url", default=None, help="gradebook URL (default: sqlite at COURSE/gradebook.db)")
    gr.add_argument("--shard", default=None, metavar="I/N",
                    help="grade only shard I of N (a fixed share by student id), e.g. 1/2 and 2/2 on two machines")
    gr.add_argument("--unsafe-no-sandbox", action="store_true",
                    help="run kernels without the sandbox (only for notebooks you trust)")
    gr.set_defaults(run=lambda a: grade.main(
        submissions=a.submissions, assignment=a.assignment, course=a.course, json_path=a.json_path,
        workers=a.workers, timeout=a.timeout, force=a.force, unsafe_no_sandbox=a.unsafe_no_sandbox,
        db_url=a.db_url, shard=a.shard))

    cij = sub.add_parser("ci", help="grade the exercise notebooks in a learner's repository (for CI on every push)",
                         description="Finds NOTEBOOKs named after the course's assignments under PATH, grades them "
                         "in the sandbox, writes JSON, JUnit XML and Markdown (also to $GITHUB_STEP_SUMMARY), and "
                         "exits 1 below --min-score. Hidden tests run when --course has solutions/ID/.")
    cij.add_argument("path", nargs="?", type=Path, default=Path("."), help="the repository (default: here)")
    cij.add_argument("--course", type=Path, default=KIT_ROOT,
                     help="course folder: the instructor's checkout for every test (default: this kit)")
    cij.add_argument("--visible-only", action="store_true", help="run only the self-checks learners see")
    cij.add_argument("--min-score", type=float, default=None, help="exit 1 below this percentage (0-100)")
    cij.add_argument("--json", type=Path, default=None, dest="json_path", help="write the JSON report here")
    cij.add_argument("--junit", type=Path, default=None, help="write JUnit XML here")
    cij.add_argument("--markdown", type=Path, default=None, help="write the Markdown summary here")
    cij.add_argument("--timeout", type=float, default=30.0, help="seconds one cell may run (default: 30)")
    cij.add_argument("--unsafe-no-sandbox", action="store_true",
                     help="no sandbox, for CI containers that cannot make namespaces (refused as root)")
    cij.set_defaults(run=lambda a: ci.main(path=a.path, course=a.course, min_score=a.min_score,
                                           json_path=a.json_path, junit_path=a.junit, markdown_path=a.markdown,
                                           visible_only=a.visible_only, timeout=a.timeout,
                                           unsafe_no_sandbox=a.unsafe_no_sandbox))

    strip = sub.add_parser("strip", help="remove outputs and editor metadata from notebooks before committing")
    strip.add_argument("paths", nargs="+", type=Path)
    strip.set_defaults(run=_strip)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (release.ReleaseError, ci.CiError, AssignmentError, SubmissionError, SandboxUnavailable, GradebookError,
            FileNotFoundError, ValueError) as exc:
        print(f"tpm-grade {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
