"""An assignment as the grader sees it: read from the course's source folder, never from a submission.

The folder is the course's nbgrader source directory (`course_config`: `solutions/` in this kit,
`source/` in a stock nbgrader course); each notebook in `SOURCE/ID/` is graded on its own. The
source notebook is the single truth for the order of cells, which cells are answers, which are
tests (with their hidden parts), and how many points each question is worth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder import course_config, notebooks
from autograder.errors import GradeError

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.MULTILINE | re.DOTALL)


class AssignmentError(GradeError):
    """The assignment cannot be graded as asked (unknown id, malformed source); one sentence says why."""


@dataclass(frozen=True)
class SourceCell:
    """One cell of the source notebook, in order."""

    index: int
    cell_id: str | None
    cell_type: str
    source: str
    grade_id: str | None
    role: str  # "answer" (learner writes it), "test" (autograded), "written" (hand-graded answer),
    #            "task" (nbgrader's task cell: the course's text, the whole notebook graded by hand), "locked"
    points: float = 0.0
    metadata: dict = field(default_factory=dict, compare=False)  # the released cell's metadata (nbgrader checksum)
    released: str | None = None   # the released (student) text of an answer cell: unchanged means unanswered


@dataclass(frozen=True)
class Question:
    """A graded cell: an autograded test or a hand-graded written answer."""

    id: str
    points: float
    manual: bool
    test_source: str = ""                      # the whole test cell, hidden tests included (trusted only)
    answer_ids: tuple[str, ...] = ()           # answer cells since the previous question


@dataclass
class Assignment:
    id: str
    notebook: str                              # file name, e.g. 07-slos.ipynb
    cells: list[SourceCell]
    questions: list[Question]
    imports: str                               # import statements of the locked code cells, run by the grader
    files: dict[str, bytes] = field(default_factory=dict, repr=False)   # data files put beside the notebook
    autotest: bool = False                     # has ### AUTOTEST lines, not yet instantiated (with_instantiated_tests)
    learner_kept: tuple[str, ...] = ()         # files a learner's own copy of is kept (Autograde.exclude_overwriting)

    @property
    def answer_ids(self) -> set[str]:
        return {c.grade_id for c in self.cells if c.role in ("answer", "written") and c.grade_id}

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions if not q.manual)

    @property
    def manual_max_score(self) -> float:
        return sum(q.points for q in self.questions if q.manual)


def visible_part(test_source: str) -> str:
    """A test cell as the learner may see it: the hidden tests replaced by a one-line note."""
    return HIDDEN.sub("# (hidden tests ran here when this notebook was graded)\n", test_source).rstrip("\n")


def _role(cell) -> tuple[str, float]:
    meta = cell.metadata.get("nbgrader", {})
    points = float(meta.get("points", 0) or 0)
    if meta.get("task"):
        return "task", points
    if meta.get("solution") and meta.get("grade"):
        return "written", points
    if meta.get("solution"):
        return "answer", 0.0
    if meta.get("grade") and cell.cell_type == "code":
        return "test", points
    return "locked", 0.0


def _imports(cells: list[SourceCell]) -> str:
    """The import lines of the locked code cells (setup): the only part of them the grader replays."""
    import ast

    lines = []
    for cell in cells:
        if cell.role != "locked" or cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(lines)


AUTOTEST = re.compile(r"^[ \t]*### (HASHED )?AUTOTEST", re.MULTILINE)
FILES_MAX_BYTES = 50 * 1024**2   # an assignment's data files travel to every worker; more is not an exercise


def _unknown(layout: course_config.CourseLayout, aid: str) -> str:
    """Why there is no assignment AID, in one sentence that names the folder looked in."""
    base = layout.root / layout.source
    known = sorted(p.name for p in base.glob("*") if p.is_dir() and any(p.glob("*.ipynb"))) if base.is_dir() else []
    where = f"{base}" + ("" if layout.from_config or layout.source != "source" else
                         " (nbgrader's default; a course's nbgrader_config.py can name another folder)")
    return f"No assignment '{aid}' in {where} (known: {', '.join(known) or 'none'})."


def notebook_names(course: Path, aid: str) -> list[str]:
    """The notebooks of assignment AID (file names, sorted), as nbgrader finds them: SOURCE/AID/*.ipynb."""
    layout = course_config.load(course)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", aid or ""):
        raise AssignmentError(f"'{aid}' is not an assignment id: ids look like 07-slos.")
    folder = layout.folder("source", aid)
    names = sorted(p.name for p in folder.glob("*.ipynb") if p.is_file()) if folder.is_dir() else []
    if not names:
        raise AssignmentError(_unknown(layout, aid))
    return names


def load_all(course: Path, aid: str) -> list[Assignment]:
    """Every notebook of assignment AID, each graded on its own (nbgrader's notebooks of one assignment)."""
    layout = course_config.load(course)
    names = notebook_names(course, aid)
    files = _data_files(layout, aid)
    kept = tuple(layout.exclude_overwriting.get(aid, ()))
    # A notebook without graded cells is still run and recorded, as stock nbgrader does.
    return [replace(_load_notebook(layout, aid, name, files), learner_kept=kept) for name in names]


def load(course: Path, aid: str) -> Assignment:
    """The one notebook of assignment AID, for the commands that take one notebook per assignment."""
    found = load_all(course, aid)
    if len(found) > 1:
        raise AssignmentError(f"{aid} has {len(found)} notebooks ({', '.join(a.notebook for a in found)}); "
                              "this command takes one notebook per assignment (tpm-grade grade takes several).")
    return found[0]


def _data_files(layout: course_config.CourseLayout, aid: str) -> dict[str, bytes]:
    """The assignment's files other than notebooks (relative path -> bytes), put beside every submission as
    nbgrader's autograde does; CourseDirectory.ignore leaves some out, and links are never followed."""
    folder = layout.folder("source", aid)
    files, total = {}, 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink() or not path.is_file() or path.suffix == ".ipynb" or layout.ignored(relative):
            continue
        files[relative] = path.read_bytes()
        total += len(files[relative])
        if total > FILES_MAX_BYTES:
            raise AssignmentError(f"{folder} holds more than {FILES_MAX_BYTES // 1024**2} MB of files besides "
                                  "its notebooks; keep large data out of the assignment folder.")
    return files


def _cells_with_header(layout: course_config.CourseLayout, nb) -> list:
    """The source's cells with the course's header and footer notebooks around them, as released."""
    cells = list(nb.cells)
    for which, at_start in ((layout.header, True), (layout.footer, False)):
        if which:
            try:
                extra = list(notebooks.read(which).cells)
            except (OSError, ValueError) as exc:
                raise AssignmentError(f"the course's {'header' if at_start else 'footer'} notebook {which} "
                                      f"cannot be read ({exc}).") from None
            cells = extra + cells if at_start else cells + extra
    return cells


def _released_cells(layout: course_config.CourseLayout, aid: str, name: str, nb) -> dict:
    """grade_id -> the released (student) copy of each cell: the course's release folder when it holds the
    notebook, else what nbgrader's ClearSolutions makes of the source (the text a learner starts from)."""
    released = layout.folder("release", aid) / name
    if released.is_file():
        cells = notebooks.read(released).cells
    else:
        import copy

        from nbgrader.preprocessors import ClearSolutions

        cells = ClearSolutions().preprocess(copy.deepcopy(nb), {"language": "python"})[0].cells
    return {notebooks.nbgrader_id(c): c for c in cells if notebooks.nbgrader_id(c)}


def _load_notebook(layout: course_config.CourseLayout, aid: str, name: str, files: dict[str, bytes]) -> Assignment:
    path = layout.folder("source", aid) / name
    nb = notebooks.read(path)
    nb.cells = _cells_with_header(layout, nb)
    cells, questions, pending = [], [], []
    for index, cell in enumerate(nb.cells):
        role, points = _role(cell)
        gid = notebooks.nbgrader_id(cell)
        cells.append(SourceCell(index, cell.get("id"), cell.cell_type, cell.source, gid, role, points))
        if role not in ("answer", "test", "written", "task"):
            continue
        if not gid:   # nbgrader's validate refuses it too
            raise AssignmentError(f"{path.name}: cell {index + 1} is an nbgrader {role} cell without a grade_id; "
                                  "give it one (View > Cell Toolbar > Create Assignment).")
        if role == "answer":
            pending.append(gid)
        elif role == "test":
            questions.append(Question(gid, points, False, cell.source, tuple(pending)))
            pending = []
        elif role == "written":
            questions.append(Question(gid, points, True, answer_ids=(gid,)))
        else:   # a task: graded by hand on the notebook as a whole, with no answer cell to be blank
            questions.append(Question(gid, points, True))
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise AssignmentError(f"{path.name} repeats a grade_id; every graded cell needs its own.")
    released_cells = _released_cells(layout, aid, name, nb)
    for i, cell in enumerate(cells):
        twin = released_cells.get(cell.grade_id)
        cells[i] = replace(cell, metadata=dict(twin.metadata) if twin else dict(nb.cells[i].metadata),
                           released=twin.source if twin is not None and cell.role in ("answer", "written") else None)
    autotest = any(AUTOTEST.search(q.test_source) for q in questions if not q.manual)
    return Assignment(aid, path.name, cells, questions, _imports(cells), files=files, autotest=autotest)


def with_instantiated_tests(asg: Assignment, sources: dict[str, str]) -> Assignment:
    """The assignment with its AUTOTEST cells as nbgrader instantiated them (grade_id -> test source, read from
    the gradebook, where stock autograde reads them too)."""
    questions = [replace(q, test_source=sources[q.id]) if not q.manual and q.id in sources else q
                 for q in asg.questions]
    cells = [replace(c, source=sources[c.grade_id]) if c.role == "test" and c.grade_id in sources else c
             for c in asg.cells]
    left = [q.id for q in questions if not q.manual and AUTOTEST.search(q.test_source)]
    if left:
        raise AssignmentError(f"the gradebook holds no instantiated tests for {', '.join(left)} of {asg.notebook}.")
    return replace(asg, questions=questions, cells=cells, imports=_imports(cells), autotest=False)
