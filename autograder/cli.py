"""`tpm-grade`: the instructor's command line. Each subcommand is a thin call into a module's main()."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from autograder import defaults, gradebook, notebooks
from autograder.errors import GradeError
from tpmkit.errors import KitError

KIT_ROOT = defaults.KIT_ROOT


def _command(name: str):
    """A command's module, imported when the command runs: a read-only command (feedback, export, roster ...)
    never imports the grading engine, its kernel driver or zmq."""
    return importlib.import_module(f"autograder.{name}")


def _course_option(parser, what: str = "course root") -> None:
    """--course, the same default everywhere: this kit."""
    parser.add_argument("--course", type=Path, default=KIT_ROOT, help=f"{what} (default: this kit)")


def _strip(args) -> int:
    for path in args.paths:
        try:
            nb = notebooks.read(path)
        except (OSError, ValueError) as exc:   # missing, unreadable or not notebook JSON: say which, touch nothing
            raise GradeError(f"{path} cannot be read as a notebook ({type(exc).__name__}); nothing was "
                             "stripped from it.") from None
        notebooks.write(notebooks.strip(nb), path)
        print(f"stripped {path}")
    return 0


def _add_instructor_commands(sub) -> None:
    """roster, collect, feedback, export: the steps around grading (docs/instructor.md walks through them)."""
    def course_and_db(p) -> None:
        _course_option(p)
        p.add_argument("--db-url", default=None, help="gradebook URL without a password (default: $TPM_GRADE_DB_URL, "
                       "else sqlite at COURSE/gradebook.db)")

    ros = sub.add_parser("roster", help="import the class list into the gradebook, or list it")
    ros_sub = ros.add_subparsers(dest="roster_command", required=True)
    imp = ros_sub.add_parser("import", help="add or update students from a CSV file (nothing is removed)",
                             description="Columns: a student id (id, Student ID, SIS User ID, ID number ...), "
                             "first_name and last_name (or one name column such as Canvas's Student), and "
                             "optionally email and an LMS user id (Canvas's ID). The whole file is checked "
                             "before anything is written.")
    imp.add_argument("path", type=Path, metavar="ROSTER.csv")
    imp.add_argument("--id-column", default=None, help="the column that holds the student id (default: found "
                     "from the header)")
    course_and_db(imp)
    imp.set_defaults(run=lambda a: _command("roster").import_roster(path=a.path, course=a.course, db_url=a.db_url,
                                                                    id_column=a.id_column))
    lst = ros_sub.add_parser("list", help="print the students in the gradebook")
    course_and_db(lst)
    lst.set_defaults(run=lambda a: _command("roster").list_roster(course=a.course, db_url=a.db_url))

    col = sub.add_parser("collect", help="put the notebooks of an LMS download into submitted/STUDENT/ID/",
                         description="SOURCE is a Canvas or Moodle 'download all submissions' zip (or its "
                         "unpacked folder), or a zip/folder of STUDENTID.ipynb files. With nbgrader's exchange "
                         "(a shared machine or JupyterHub) run stock `nbgrader collect ID` instead.")
    col.add_argument("source", type=Path, metavar="SOURCE")
    col.add_argument("--assignment", "-a", required=True, help="assignment id, such as 07-slos")
    col.add_argument("--force", action="store_true",
                     help="replace notebooks already in submitted/ that differ (old ones go to replaced-submissions/)")
    col.add_argument("--roster-check", action="store_true",
                     help="refuse the download if a student in it is not on the roster")
    course_and_db(col)
    col.set_defaults(run=lambda a: _command("collect").main(
        source=a.source, assignment=a.assignment, course=a.course, db_url=a.db_url, force=a.force,
        roster_check=a.roster_check))

    fb = sub.add_parser("feedback", help="one HTML feedback page per student: feedback/STUDENT/ID/ID.html",
                        description="Scores (hand grades included), the checks' messages and the comments "
                        "written in formgrader; never hidden tests, solutions or rubrics.")
    fb.add_argument("students", nargs="*", metavar="STUDENT", help="student ids (default: every graded one)")
    fb.add_argument("--assignment", "-a", required=True, help="assignment id, such as 07-slos")
    fb.add_argument("--dest", type=Path, default=None, help="where to write (default: COURSE/feedback)")
    course_and_db(fb)
    fb.set_defaults(run=lambda a: _command("feedback").main(assignment=a.assignment, course=a.course,
                                                            students=a.students, dest=a.dest, db_url=a.db_url))

    ex = sub.add_parser("export", help="write the grades as a CSV file for a spreadsheet, Canvas or Moodle")
    ex.add_argument("--assignment", "-a", action="append", required=True, dest="assignments",
                    help="assignment id; repeat for several")
    ex.add_argument("--format", choices=_command("export").FORMATS, default="csv", dest="fmt",
                    help="csv (one row per student and assignment), canvas or moodle (their grade import layouts)")
    ex.add_argument("--output", "-o", type=Path, required=True, help="the file to write")
    course_and_db(ex)
    ex.set_defaults(run=lambda a: _command("export").main(assignments=a.assignments, fmt=a.fmt, output=a.output,
                                                          course=a.course, db_url=a.db_url))

    ins = sub.add_parser("insight", help="what a cohort got wrong and why: one HTML page from the recorded results")
    ins.add_argument("--assignment", "-a", required=True, help="assignment id, such as 07-slos")
    _course_option(ins)
    ins.add_argument("--db-url", default=None, help="the gradebook to read scores from, hand grades included "
                     "(default: $TPM_GRADE_DB_URL, else the course's; without one, the autograded scores)")
    ins.add_argument("--output", "-o", type=Path, required=True, help="the HTML page to write")
    ins.add_argument("--json", type=Path, default=None, dest="json_path", help="also write the numbers as JSON")
    ins.add_argument("--threshold", type=float, default=50.0,
                     help="list the students below this percentage of the points (default 50)")
    ins.set_defaults(run=lambda a: _command("insight").main(
        assignment=a.assignment, course=a.course, output=a.output, json_path=a.json_path, threshold=a.threshold,
        db_url=a.db_url))


def _grading_options(gr) -> None:
    """What `grade` and `watch` share: where the submissions are, and how they are graded and recorded."""
    gr.add_argument("submissions", nargs="+", type=Path,
                    help="notebook files (student id = file stem), folders of student folders, or zips of those")
    gr.add_argument("--assignment", "-a", required=True, help="assignment id, such as 07-slos")
    _course_option(gr, "nbgrader course root; its nbgrader_config.py names the folders")
    gr.add_argument("--json", type=Path, default=None, dest="json_path", help="write the score report here")
    gr.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: CPU cores)")
    gr.add_argument("--timeout", type=float, default=None,
                    help="seconds one cell may run (default: the course config's Execute.timeout, else 30)")
    gr.add_argument("--budget", type=float, default=600.0,
                    help="seconds one submission may take in all; past it, its remaining questions are "
                         "'timeout' and it is still reported (default: 600)")
    gr.add_argument("--db-url", default=None, help="gradebook URL without a password (default: $TPM_GRADE_DB_URL, "
                    "else the course config's db_url, else sqlite at COURSE/gradebook.db)")
    gr.add_argument("--shard", default=None, metavar="I/N",
                    help="grade only shard I of N (a fixed share by student id), e.g. 1/2 and 2/2 on two machines")
    gr.add_argument("--unsafe-no-sandbox", action="store_true",
                    help="run kernels without the sandbox (only for notebooks you trust)")
    gr.add_argument("--strict", action="store_true",
                    help="refuse an assignment with a test that cannot run in the grader (tamper-proof) and would "
                         "run in the learner's kernel instead, as stock nbgrader runs every test")


def _grading_kwargs(a) -> dict:
    return {"submissions": a.submissions, "assignment": a.assignment, "course": a.course, "json_path": a.json_path,
            "workers": a.workers, "timeout": a.timeout, "unsafe_no_sandbox": a.unsafe_no_sandbox, "db_url": a.db_url,
            "shard": a.shard, "budget": a.budget, "strict": a.strict}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tpm-grade", description="Release and grade TPM Kit exercises.")
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="regenerate exercises/ID/ from solutions/ID/ with nbgrader")
    rel.add_argument("ids", nargs="*", help="assignment ids such as 07-slos (default: all)")
    _course_option(rel)
    rel.add_argument("--dest", type=Path, default=None, help="where to write (default: COURSE/exercises)")
    rel.set_defaults(run=lambda a: _command("release").main(root=a.course, ids=a.ids, dest=a.dest))

    pub = sub.add_parser("publish", help="build what learners get: `publish learner DEST`, a repository without "
                         "answers; `publish site DEST`, the lessons as a static website")
    pub.add_argument("what", choices=["learner", "site"],
                     help="learner: lessons, released exercises, tpmkit, lab setup; site: every lesson run and "
                          "rendered as a page (make site)")
    pub.add_argument("dest", type=Path, help="learner: a new folder, outside this kit; site: the site's folder "
                                             "(replaced)")
    pub.set_defaults(run=lambda a: _command("publish" if a.what == "learner" else "site").main(dest=a.dest))

    gr = sub.add_parser("grade", help="grade submissions in a sandbox; tests never run in the learner's process")
    _grading_options(gr)
    gr.add_argument("--force", action="store_true", help="grade again submissions already graded")
    gr.set_defaults(run=lambda a: _command("grade").main(force=a.force, **_grading_kwargs(a)))

    wat = sub.add_parser("watch", help="grade submissions as they arrive: grade, wait, grade what is new or changed",
                         description="Each round grades what `tpm-grade grade` would (new or changed notebooks; "
                         "the others are skipped silently). The grading workers start once and stay warm between "
                         "rounds. Ctrl-C stops it; what was graded is recorded.")
    _grading_options(wat)
    wat.add_argument("--interval", type=float, default=60.0, help="seconds between rounds (default: 60)")
    wat.add_argument("--rounds", type=int, default=None, help="stop after this many rounds (default: until Ctrl-C)")
    wat.set_defaults(run=lambda a: _command("watch").main(interval=a.interval, rounds=a.rounds,
                                                          **_grading_kwargs(a)))

    cij = sub.add_parser("ci", help="grade the exercise notebooks in a learner's repository (for CI on every push)",
                         description="Finds NOTEBOOKs named after the course's assignments under PATH, grades them "
                         "in the sandbox, writes JSON, JUnit XML and Markdown (also to $GITHUB_STEP_SUMMARY), and "
                         "exits 1 below --min-score. Hidden tests run when --course has solutions/ID/.")
    cij.add_argument("path", nargs="?", type=Path, default=Path("."), help="the repository (default: here)")
    _course_option(cij, "course folder: the instructor's checkout for every test")
    cij.add_argument("--visible-only", action="store_true", help="run only the self-checks learners see")
    cij.add_argument("--min-score", type=float, default=None, help="exit 1 below this percentage (0-100)")
    cij.add_argument("--json", type=Path, default=None, dest="json_path", help="write the JSON report here")
    cij.add_argument("--junit", type=Path, default=None, help="write JUnit XML here")
    cij.add_argument("--markdown", type=Path, default=None, help="write the Markdown summary here")
    cij.add_argument("--timeout", type=float, default=defaults.CELL_TIMEOUT,
                     help=f"seconds one cell may run (default: {defaults.CELL_TIMEOUT:g})")
    cij.add_argument("--unsafe-no-sandbox", action="store_true",
                     help="no sandbox, for CI containers that cannot make namespaces (refused as root)")
    cij.set_defaults(run=lambda a: _command("ci").main(
        path=a.path, course=a.course, min_score=a.min_score, json_path=a.json_path, junit_path=a.junit,
        markdown_path=a.markdown, visible_only=a.visible_only, timeout=a.timeout,
        unsafe_no_sandbox=a.unsafe_no_sandbox))

    strip = sub.add_parser("strip", help="remove outputs and editor metadata from notebooks before committing")
    strip.add_argument("paths", nargs="+", type=Path)
    strip.set_defaults(run=_strip)
    _add_instructor_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        gradebook.refuse_password_in_argv(getattr(args, "db_url", None))
        return args.run(args)
    except (GradeError, KitError) as exc:   # cannot run as asked: one line; anything else is a bug
        print(f"tpm-grade {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
