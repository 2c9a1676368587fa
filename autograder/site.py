"""`tpm-grade publish site DEST` (`make site`): the course as a static website, built offline.

Every lesson is run once, from a copy of course/, with the kit's real parts (its local API, git, DuckDB),
so its pages show the real outputs: tables, plots, the API's answers. A quiz needs a kernel to check an
answer, so on a page it shows as text (its questions and options, never the answers) marked "answer it in
JupyterLab" (tpmkit.quiz: Question.static_html); any other widget says the same in one line. Sphinx with
MyST-NB turns the notebooks into pages, with the module table as the front page and the navigation.

Why not Jupyter Book 2 (mystmd): its HTML themes are downloaded from api.mystmd.org and GitHub when a
site is built, and neither is a package registry; Sphinx, MyST-NB and sphinx-book-theme (Jupyter Book
1's engine and theme, kept by the same project) all come from PyPI and build with no network at all.

`DEST/site-manifest.json` lists each lesson page with the number of plots its lesson drew, for the
browser test (tests/browser/test_website.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import defaults
from autograder.errors import GradeError

KIT_ROOT = defaults.KIT_ROOT
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CONTROL_NOTE = ('<p class="tpmkit-widget-static"><i>Interactive control: open this lesson in JupyterLab '
                "(make lab) to use it.</i></p>")
LESSON = re.compile(r"\d\d-[a-z0-9-]+\.ipynb")
CELL_TIMEOUT = 600


class SiteError(GradeError):
    """The site could not be built; the message says which lesson or step, and why."""


def lessons(root: Path = KIT_ROOT) -> list[Path]:
    return sorted(p for p in (root / "course").glob("*.ipynb") if LESSON.fullmatch(p.name))


def static_outputs(nb) -> int:
    """Widgets become what a page without a kernel can show: a quiz's own static form (its text/html), any
    other control a one-line note. Returns the number of plots (PNG or SVG images) left in the notebook."""
    plots = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not isinstance(data, dict):
                continue
            if WIDGET_VIEW in data:
                html = data.get("text/html") or CONTROL_NOTE
                output["data"] = {"text/html": html, "text/plain": "(interactive: open the lesson in JupyterLab)"}
            plots += int("image/png" in data or "image/svg+xml" in data)
    return plots


KIT_LINK = re.compile(r"\[([^\]]+)\]\(\.\./((?:exercises|solutions)/[^)\s]+)\)")


def kit_links_as_text(nb) -> None:
    """A lesson links its exercise (`../exercises/...`), a file of the kit, not a page of the site: on a page the
    link becomes its text and the file's place in the kit."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = KIT_LINK.sub(r"\1 (`\2` in the kit)", cell.source)


def _execute(path: Path, env: dict) -> int:
    """Run one lesson in place (its folder is the copy); returns its plot count."""
    import nbclient
    import nbformat
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(path, as_version=4)
    # IPC sockets in the build's own folder: no TCP port is opened while the lessons run.
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(path.parent.parent / "kernel"))
    client = nbclient.NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=env)
    except nbclient.exceptions.CellExecutionError as exc:
        last = (str(exc).strip().splitlines() or ["an error"])[-1]
        raise SiteError(f"{path.name}: a cell failed while building the site ({last}).") from None
    plots = static_outputs(nb)
    kit_links_as_text(nb)
    nbformat.write(nb, path)
    return plots


def _readme_modules(root: Path) -> str:
    """The README's module table, with its links pointed at the site's own lesson pages."""
    text = (root / "README.md").read_text(encoding="utf-8")
    section = re.split(r"(?m)^(?=## )", text)
    modules = next(s for s in section if s.startswith("## Modules"))
    table = "\n".join(line for line in modules.splitlines() if line.startswith("|"))
    # [lesson](course/NN-slug.ipynb) -> a page of this site; exercise links go to the learner's repository files.
    table = re.sub(r"\]\(course/(\d\d-[a-z0-9-]+)\.ipynb\)", r"](\1.ipynb)", table)
    return re.sub(r"\[([^\]]+)\]\((exercises/[^)]+)\)", r"`\2`", table)


def _front_page(root: Path, pages: list[str]) -> str:
    toc = "\n".join(pages)
    return f"""# TPM Kit: technical literacy for product managers

Each lesson below is a Jupyter notebook, shown here with its outputs. To run the code, answer the quizzes
(they are checked and saved) and do the graded exercises, open the course in JupyterLab: clone the learner
kit and run `make lab`.

{_readme_modules(root)}

```{{toctree}}
:hidden:
:maxdepth: 1

{toc}
```
"""


CONF = """project = "TPM Kit"
author = "TPM Kit"
extensions = ["myst_nb"]
nb_execution_mode = "off"            # the lessons were run by `tpm-grade publish site` itself
nb_ipywidgets_js = {}                # no widget JavaScript from a CDN: widgets are static here
myst_enable_extensions = ["dollarmath", "colon_fence"]
html_theme = "sphinx_book_theme"
html_title = "TPM Kit"
html_theme_options = {"show_toc_level": 2}
html_context = {"default_mode": "auto"}   # the reader's light or dark setting (unset, the theme logs an error)
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]
"""


def build(dest: Path, *, root: Path = KIT_ROOT, stream=None) -> dict:
    """Build the site into `dest` (replaced); returns the manifest."""
    stream = stream or sys.stdout
    dest = Path(dest).resolve()
    if dest.exists() and any(dest.iterdir()) and not (dest / "site-manifest.json").is_file():
        raise SiteError(f"{dest} is not empty and holds no site built before; give a new folder or an old site's.")
    found = lessons(root)
    if not found:
        raise SiteError(f"no lessons in {root / 'course'}.")
    with tempfile.TemporaryDirectory(prefix="tpm-site-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root / "course", src, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for extra in src.glob("*.ipynb"):
            if not LESSON.fullmatch(extra.name):
                extra.unlink()   # the progress page shows a learner's own progress: nothing to show on a site
        # The lessons' quiz answers and progress go to a throwaway file, never the builder's own.
        env = {**os.environ, "TPMKIT_PROGRESS": str(Path(tmp) / "progress.json"), "TPMKIT_LEARNER": "website"}
        manifest: dict[str, list[dict[str, object]]] = {"lessons": []}
        for i, path in enumerate(sorted(src.glob("*.ipynb")), 1):
            started = time.monotonic()
            print(f"[{i}/{len(found)}] running {path.stem} ...", end=" ", file=stream, flush=True)
            plots = _execute(path, env)
            print(f"{time.monotonic() - started:.0f} s, {plots} plot(s)", file=stream, flush=True)
            manifest["lessons"].append({"module": path.stem, "page": f"{path.stem}.html", "plots": plots})
        (src / "index.md").write_text(_front_page(root, [p.stem for p in sorted(src.glob("*.ipynb"))]),
                                      encoding="utf-8")
        (src / "conf.py").write_text(CONF, encoding="utf-8")
        print("Rendering the pages with Sphinx and MyST-NB ...", file=stream, flush=True)
        out = Path(tmp) / "html"
        done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise SiteError(f"Sphinx could not build the site: {last}")
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(out, dest)
    (dest / "site-manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"Site written to {dest}; open {dest / 'index.html'}", file=stream, flush=True)
    return manifest


def main(*, dest: Path, root: Path = KIT_ROOT) -> int:
    build(dest, root=root)
    return 0
