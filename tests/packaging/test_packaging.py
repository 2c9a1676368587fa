"""Packaging stays honest: pyproject.toml and environment.yml list the same dependencies, the code
is ruff clean, and the CLI answers bad input with one line and a non-zero exit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib
import yaml

from tests.support import ROOT

BIN = Path(sys.executable).parent


def spec(requirement: str) -> tuple[str, str]:
    name, rest = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), rest.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(spec(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    from_pip = [d for entry in conda if isinstance(entry, dict) for d in entry.get("pip", [])]
    listed = dict(spec(d) for d in conda + from_pip if isinstance(d, str) and not d.startswith(("python", "pip")))
    assert listed == wanted


def test_python_floor_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    assert f"python{project['requires-python']}" in conda


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    assert ruff, "ruff is not installed: run `make test`, which installs the dev extras"
    done = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1].strip() == "make test"
    assert "make test" in (ROOT / "README.md").read_text()


def test_cli_rejects_an_unknown_assignment_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "release", "99-nope", "--dest", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "No exercise source for 99-nope" in lines[0]
    assert not any(tmp_path.iterdir()), "nothing is written when the command refuses"


def test_the_version_is_written_once():
    """pyproject.toml reads tpmkit.__version__; the installed metadata says the same."""
    import importlib.metadata

    import tpmkit

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert importlib.metadata.version("tpmkit") == tpmkit.__version__


def test_the_pre_commit_hook_strips_a_lesson_the_way_the_suite_wants_it(tmp_path):
    hooks = {h["id"]: h for repo in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
             for h in repo["hooks"]}
    strip = hooks["strip-notebooks"]
    assert re.fullmatch(strip["files"], "course/07-slos.ipynb") and re.fullmatch(strip["files"],
                                                                                 "solutions/07-slos/07-slos.ipynb")
    assert not re.fullmatch(strip["files"], "exercises/07-slos/07-slos.ipynb")
    import nbformat

    from autograder import notebooks

    lesson = notebooks.read(ROOT / "course" / "00-start-here.ipynb")
    code = next(c for c in lesson.cells if c.cell_type == "code")
    code.outputs, code.execution_count = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")], 3
    lesson.metadata["widgets"] = {"state": {}}
    dirty = tmp_path / "00-start-here.ipynb"
    notebooks.write(lesson, dirty)
    assert notebooks.hygiene_problems(dirty)
    subprocess.run([*strip["entry"].split(), str(dirty)], cwd=ROOT, check=True, capture_output=True)
    assert notebooks.hygiene_problems(dirty) == []
    assert "widgets" not in notebooks.read(dirty).metadata
