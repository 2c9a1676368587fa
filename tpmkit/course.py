"""The course's modules, in order: the one list that 00-start-here, the progress page and the README
table all follow.

The list is the lessons themselves: every `course/NN-slug.ipynb`, in NN order, titled by its first
heading. Adding a lesson adds a module everywhere; nothing else names them.

Module 00's "where to start" and "Next" cells are generated from this list (`start_here_markdown`,
`next_markdown`) and marked as generated; `python -m tpmkit.course` rewrites them after a lesson is
added or renamed, and a test fails while they differ.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from tpmkit.errors import KitError

__all__ = ["Module", "module_ids", "modules", "next_markdown", "start_here_markdown"]

COURSE = Path(__file__).resolve().parent.parent / "course"
LESSON_FILE = re.compile(r"(\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)\.ipynb")
START_HERE = "00-start-here"
# The first line of a generated cell: what made it, and how to make it again.
GENERATED = "<!-- generated from the course's lessons by `python -m tpmkit.course`: do not edit by hand -->"


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    has_exercise: bool

    @property
    def lesson(self) -> str:
        """The lesson's path, relative to the course folder."""
        return f"{self.id}.ipynb"

    @property
    def exercise(self) -> str:
        """The exercise's path, relative to the course folder (it exists only when `has_exercise`)."""
        return f"../exercises/{self.id}/{self.id}.ipynb"


def _title(path: Path) -> str:
    """The lesson's first heading, without its '#'."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KitError(f"Cannot read the lesson {path.name} ({exc}): is it a notebook?") from None
    for cell in cells:
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown" and text.lstrip().startswith("# "):
            return text.lstrip()[2:].splitlines()[0].strip()
    return path.stem


def _default_folder() -> Path:
    """The lessons beside the running notebook (a lesson's kernel starts in course/), else the kit's own."""
    here = Path.cwd()
    return here if (here / f"{START_HERE}.ipynb").is_file() else COURSE


def modules(folder: str | Path | None = None) -> list[Module]:
    """Every module of the course in `folder` (by default the course the notebook runs in), in order."""
    folder = Path(folder) if folder is not None else _default_folder()
    found = sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb") if LESSON_FILE.fullmatch(p.name))
    if not found:
        raise KitError(f"No lessons (NN-slug.ipynb) in {folder}.")
    exercises = folder.parent / "exercises"
    return [Module(p.stem, _title(p), (exercises / p.stem / f"{p.stem}.ipynb").exists()) for p in found]


def module_ids(folder: str | Path | None = None) -> list[str]:
    return [m.id for m in modules(folder)]


def start_here_markdown(folder: str | Path | None = None) -> str:
    """Module 00's "where to start": every module in order, with its lesson and exercise."""
    lines = [GENERATED, "", "| Module | What you will be able to do | Exercise |", "|---|---|---|"]
    for m in modules(folder):
        if m.id == START_HERE:
            continue
        exercise = f"[exercise]({m.exercise})" if m.has_exercise else "none"
        lines.append(f"| [{m.id}]({m.lesson}) | {m.title} | {exercise} |")
    return "\n".join(lines)


def next_markdown(after: str = START_HERE, folder: str | Path | None = None) -> str:
    """The "Next" link at the end of a module: the module that follows it."""
    order = modules(folder)
    ids = [m.id for m in order]
    if after not in ids:
        raise KitError(f"'{after}' is not a module of the course; its modules are: {', '.join(ids)}.")
    position = ids.index(after)
    if position + 1 == len(order):
        return f"{GENERATED}\n\n## Next\n\nThat was the last module: see your [progress page](progress.ipynb)."
    following = order[position + 1]
    text = (f"{GENERATED}\n\n## Next\n\nStart module {following.id}: read the lesson "
            f"[{following.lesson}]({following.lesson})")
    if following.has_exercise:
        text += f", then do its exercise [{following.exercise}]({following.exercise})"
    return text + "."


def _generated_cells(notebook: dict) -> dict[int, str]:
    """The generated markdown cells of a notebook: index -> what they should say now."""
    wanted = {}
    for index, cell in enumerate(notebook["cells"]):
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and text.startswith(GENERATED):
            kind = cell.get("metadata", {}).get("tpmkit", {}).get("generated")
            if kind == "start-here":
                wanted[index] = start_here_markdown()
            elif kind == "next":
                wanted[index] = next_markdown(START_HERE)
            else:
                raise KitError(f"Cell {index} is marked generated but says neither start-here nor next.")
    return wanted


def stale_cells(path: Path = COURSE / f"{START_HERE}.ipynb") -> list[int]:
    """Generated cells of module 00 that no longer match the course's modules."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    current = {i: "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for i, c in enumerate(notebook["cells"])}
    return [i for i, text in _generated_cells(notebook).items() if current[i] != text]


def write_generated(path: Path = COURSE / f"{START_HERE}.ipynb") -> int:
    """Rewrite module 00's generated cells from the course's modules; returns how many changed."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    changed = 0
    for index, text in _generated_cells(notebook).items():
        if notebook.cells[index].source != text:
            notebook.cells[index].source = text
            changed += 1
    if changed:
        nbformat.write(notebook, path)
    return changed


if __name__ == "__main__":  # python -m tpmkit.course
    count = write_generated()
    print(f"{count} generated cell{'s' if count != 1 else ''} of {START_HERE} rewritten.", file=sys.stderr)
