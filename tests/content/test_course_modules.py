"""One list of modules: the course's lessons. The README table, module 00's "where to start" and
"Next" cells, and the progress page all follow it."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import ROOT
from tests.support.readme import table_rows
from tpmkit import course
from tpmkit.errors import KitError


def markdown_links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)]+)\)", text)


def start_here_cells() -> dict[str, str]:
    notebook = json.loads((ROOT / "course" / "00-start-here.ipynb").read_text())
    found = {}
    for cell in notebook["cells"]:
        kind = cell.get("metadata", {}).get("tpmkit", {}).get("generated")
        if kind:
            found[kind] = "".join(cell["source"])
    return found


def test_the_readme_table_lists_the_course_modules_in_order():
    assert list(table_rows()) == course.module_ids()


def test_start_here_links_every_module_of_the_readme_table():
    cells = start_here_cells()
    assert set(cells) == {"start-here", "next"}
    linked = markdown_links(cells["start-here"])
    for module in table_rows():
        if module == course.START_HERE:
            continue
        assert f"{module}.ipynb" in linked, f"00-start-here does not link the lesson {module}"
        assert (ROOT / "course" / f"{module}.ipynb").exists()
        exercise = f"../exercises/{module}/{module}.ipynb"
        if (ROOT / "exercises" / module).exists():
            assert exercise in linked, f"00-start-here does not link the exercise of {module}"
    for link in linked:
        assert (ROOT / "course" / link).resolve().exists(), link


def test_start_heres_next_link_is_the_first_module_after_it():
    first = [m for m in table_rows() if m != course.START_HERE][0]
    links = markdown_links(start_here_cells()["next"])
    assert links[0] == f"{first}.ipynb"


def test_the_generated_cells_are_current():
    assert course.stale_cells() == [], "run `python -m tpmkit.course` and commit course/00-start-here.ipynb"


def test_a_stale_generated_cell_is_found_and_rewritten(tmp_path):
    notebook = json.loads((ROOT / "course" / "00-start-here.ipynb").read_text())
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("tpmkit", {}).get("generated") == "start-here":
            cell["source"] = course.GENERATED + "\n\n| [07-slos](07-slos.ipynb) | only this one | none |"
    copy = tmp_path / "00-start-here.ipynb"
    copy.write_text(json.dumps(notebook))
    assert len(course.stale_cells(copy)) == 1
    assert course.write_generated(copy) == 1
    assert course.stale_cells(copy) == []


def test_the_progress_page_lists_every_module_of_the_readme_table(monkeypatch, progress_file):
    """The page's own cells, run in the course folder as its kernel would."""
    notebook = json.loads((ROOT / "course" / "progress.ipynb").read_text())
    code = [("".join(c["source"])) for c in notebook["cells"] if c["cell_type"] == "code"]
    table_cell = next(source for source in code if "summary(" in source)
    monkeypatch.chdir(ROOT / "course")
    namespace: dict = {}
    exec(code[0], namespace)  # the page's import cell
    exec(table_cell, namespace)
    assert list(namespace["table"]["module"]) == list(table_rows())


def test_next_after_the_last_module_points_to_the_progress_page():
    last = course.module_ids()[-1]
    assert "progress.ipynb" in course.next_markdown(last)
    with pytest.raises(KitError, match="not a module"):
        course.next_markdown("99-nothing")
