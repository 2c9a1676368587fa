"""A real browser on the learner's path: `make lab` (the real make target, from the root of a copy of
the repository, with the course's own nbgrader_config.py and Jupyter settings) in headless Chromium,
driven by Playwright.

The learner runs lesson 00 (Run > Run All Cells), answers its first quiz wrongly and then rightly,
saves; answers a quiz in lesson 07; opens the progress page and sees both lessons counted. Then the
server is stopped and started again the same way: the progress page still counts them, the saved
lesson reopens with no widget errors, and Notebook 7 on the same server draws the quiz again with the
saved answer. The progress file is the default one (under XDG_DATA_HOME), as a learner's would be.

The copy is what JupyterLab saves into, so the repository's lessons never gain outputs. It shares the
repository's .venv, which `make` sees as installed (`-o` on its stamp): the test never reinstalls.

It needs Debian's chromium (`scripts/install-system-packages.sh` installs it) and the `playwright`
Python package (the dev extra). Playwright's own browser download is never used. Under CI=true a
missing browser fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support import ROOT
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, TOKEN, make_lab, need_browser, wait_for
from tests.support.net import free_port, stop
from tpmkit import common_mistakes, course
from tpmkit.lab_save import FALLBACK
from tpmkit.quiz import read_bank

LESSONS = ("00-start-here", "07-slos")
QUESTIONS = {"00-start-here": "restart-run-all", "07-slos": "sli-definition"}
STABLE_SCREENSHOT = Path(tempfile.gettempdir()) / "tpmkit-browser-test" / "00-start-here-quiz.png"
# What `make lab` serves from: the repository root with these, and nothing else the learner's path needs.
KIT_PARTS = ("Makefile", "pyproject.toml", "nbgrader_config.py", "jupyter-config", "course", "exercises")


def copy_of_the_kit(dest: Path) -> Path:
    """The repository's learner-facing files, times kept (make compares them), sharing its .venv."""
    dest.mkdir()
    for name in KIT_PARTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(source, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def run_all(page) -> None:
    """Run > Run All Cells, pressed again if the kernel was still being wired up and nothing ran. A loaded
    2-core machine can take a minute to start a kernel: the presses go on for up to three minutes."""
    ran = page.locator(".jp-InputPrompt", has_text="[1]:")
    deadline = time.monotonic() + 180
    while True:
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
        try:
            ran.first.wait_for(timeout=15_000)
            return
        except Exception:  # a Playwright timeout: try the menu again, until the deadline
            page.keyboard.press("Escape")
            if time.monotonic() > deadline:
                raise


def call(base: str, method: str, path: str):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def shut_down_kernels(base: str) -> None:
    """What closing JupyterLab does to the kernel: the next notebook page starts a new one."""
    for session in json.loads(call(base, "GET", "/api/sessions")):
        call(base, "DELETE", f"/api/sessions/{session['id']}")


def choice_texts(lesson: str) -> tuple[str, str, str]:
    """(a wrong option, the right option, the right option's feedback) of the lesson's test question."""
    spec = next(q for q in read_bank(ROOT / "course" / f"{lesson}.quiz.yaml") if q["id"] == QUESTIONS[lesson])
    right = next(o for o in spec["options"] if o.get("correct"))
    wrongs = [o for o in spec["options"] if not o.get("correct")]
    wrong = next((o for o in wrongs if o.get("misconception")), wrongs[0])  # one naming a common mistake if any
    return wrong["text"], right["text"], right.get("feedback", "")


def mistake_of(lesson: str) -> str | None:
    """The common mistake the wrong option of the lesson's test question names, if any."""
    spec = next(q for q in read_bank(ROOT / "course" / f"{lesson}.quiz.yaml") if q["id"] == QUESTIONS[lesson])
    wrong, _, _ = choice_texts(lesson)
    return next(o for o in spec["options"] if o["text"] == wrong).get("misconception")


def open_lesson(page, base: str, lesson: str, *, ui: str = "lab") -> None:
    from playwright.sync_api import expect

    # `reset` empties JupyterLab's workspace, so the lesson is the only notebook open
    path = f"/lab/tree/course/{lesson}.ipynb?reset&" if ui == "lab" else f"/notebooks/course/{lesson}.ipynb?"
    page.goto(f"{base}{path}token={TOKEN}")
    page.locator(".jp-Notebook").first.wait_for()
    if ui == "lab":  # the kernel is connected and idle (the status bar says so) before Run All is pressed
        expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(timeout=45_000)


def quiz_output(page, lesson: str):
    wrong, _, _ = choice_texts(lesson)
    quiz = page.locator(".jp-OutputArea-output", has=page.get_by_text(wrong, exact=True)).first
    quiz.wait_for(timeout=90_000)  # Run All on a loaded 2-core CI machine
    quiz.scroll_into_view_if_needed()
    return quiz


def answer(page, lesson: str, *, wrong_first: bool) -> None:
    from playwright.sync_api import expect

    wrong, right, _ = choice_texts(lesson)
    quiz = quiz_output(page, lesson)
    verdict = quiz.locator(".tpmkit-verdict")
    if wrong_first:
        quiz.locator("label", has_text=wrong).click()
        quiz.get_by_role("button", name="Check").click()
        expect(verdict).to_contain_text("Not quite.")
    quiz.locator("label", has_text=right).click()
    quiz.get_by_role("button", name="Check").click()
    expect(verdict).to_contain_text("Correct.")


def save(page) -> None:
    from playwright.sync_api import expect

    page.keyboard.press("Control+s")
    expect(page.locator(".jp-StatusBar-Widget", has_text="Saving completed").first).to_be_visible(timeout=30_000)


def progress_rows(page, base: str) -> dict[str, list[str]]:
    """The progress page, run from the top: its table as {module: [cells...]}."""
    open_lesson(page, base, "progress")
    run_all(page)
    table = page.locator(".jp-OutputArea-output table").first
    table.wait_for(timeout=90_000)
    rows = {}
    for row in table.locator("tbody tr").all():
        # textContent, not innerText: JupyterLab skips rendering output that is off screen
        # (content-visibility), and innerText of skipped rows is empty
        cells = [c.strip() for c in row.locator("td").all_text_contents()]
        rows[cells[0]] = cells[1:]
    return rows


def counted(rows: dict[str, list[str]], lesson: str) -> tuple[int, int]:
    """(questions answered, questions correct) of one module on the progress page."""
    answered, correct = rows[lesson][0], rows[lesson][1]
    return int(answered), int(correct)


def test_the_learners_first_hour_under_make_lab(tmp_path):
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    kit = copy_of_the_kit(tmp_path / "kit")
    home = tmp_path / "home"
    home.mkdir()
    progress_file = home / "data" / "tpmkit" / "progress.sqlite"  # the default place, not a test override
    screenshot = tmp_path / "00-start-here-quiz.png"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(30_000)
        server = None
        try:
            # --- the first session: two lessons, then the progress page
            port = free_port()
            server = make_lab(kit, home, port)
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/api/status", server, home / f"lab-{port}.log")
            open_lesson(page, base, "00-start-here")
            run_all(page)
            answer(page, "00-start-here", wrong_first=True)
            page.screenshot(path=str(screenshot), full_page=False)
            save(page)
            open_lesson(page, base, "07-slos")
            run_all(page)
            answer(page, "07-slos", wrong_first=True)
            rows = progress_rows(page, base)
            assert list(rows) == course.module_ids()  # every module, started or not
            assert counted(rows, "00-start-here") == (1, 1) and counted(rows, "07-slos") == (1, 1), rows
            assert counted(rows, "03-deployments") == (0, 0)
            # the wrong answer in 07 showed a common mistake: the page names it, with the lesson to revisit
            mistake = common_mistakes.load(ROOT / "course")[mistake_of("07-slos")]
            expect(page.locator(".jp-OutputArea-output li", has_text=mistake.summary[:60])).to_have_count(1)
            shut_down_kernels(base)
            stop(server)

            # --- a new server, as after closing the laptop: progress is still there
            port = free_port()
            server = make_lab(kit, home, port)
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/api/status", server, home / f"lab-{port}.log")
            rows = progress_rows(page, base)
            assert counted(rows, "00-start-here") == (1, 1) and counted(rows, "07-slos") == (1, 1), rows
            shut_down_kernels(base)

            # the saved lesson reopens with a line to run each quiz cell, never a widget error
            open_lesson(page, base, "00-start-here")
            expect(page.get_by_text(FALLBACK).first).to_be_visible()
            expect(page.get_by_text("Error displaying widget")).to_have_count(0)
            shut_down_kernels(base)

            # Notebook 7 on the same server: the quiz is drawn again and remembers the answer
            open_lesson(page, base, "00-start-here", ui="notebook")
            run_all(page)
            expect(quiz_output(page, "00-start-here")).to_contain_text("You answered this before: correct on attempt 2")
            page.screenshot(path=str(tmp_path / "00-start-here-notebook7.png"))
        except Exception:
            STABLE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(STABLE_SCREENSHOT.with_name("failure.png")))
            print(f"failure screenshot: {STABLE_SCREENSHOT.with_name('failure.png')}")
            raise
        finally:
            context.close()
            if server is not None:
                stop(server)

    saved = json.loads((kit / "course" / "00-start-here.ipynb").read_text())
    outputs = [o for c in saved["cells"] for o in c.get("outputs", [])]
    assert outputs, "the lesson was saved with its outputs"
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    with sqlite3.connect(progress_file) as con:
        rows = con.execute("SELECT module, question, correct, attempt FROM quiz_answers ORDER BY rowid").fetchall()
        checks = con.execute("SELECT module, name, passed FROM self_checks").fetchall()
    assert rows[:2] == [("00-start-here", "restart-run-all", 0, 1), ("00-start-here", "restart-run-all", 1, 2)]
    assert ("07-slos", "sli-definition", 1, 2) in rows
    with sqlite3.connect(progress_file) as con:
        kept = con.execute("SELECT answer, mistakes FROM quiz_answers "
                           "WHERE module = '07-slos' AND correct = 0").fetchall()
    assert kept == [(json.dumps(choice_texts("07-slos")[0], ensure_ascii=False), mistake_of("07-slos"))]
    assert ("00-start-here", "minutes", 1) in checks  # the lesson's self-check, named by its notebook
    assert screenshot.stat().st_size > 10_000
    STABLE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, STABLE_SCREENSHOT)
    print(f"screenshot: {STABLE_SCREENSHOT}")


def test_api_docs_render_offline_in_a_real_browser(tmp_path):
    """/docs draws the API's operations from files the kit serves; any request off 127.0.0.1 fails the test."""
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    from tpmkit import api

    outside: list[str] = []
    with api.start(quiet=True) as shop, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route(lambda url: not url.startswith(shop.url),
                       lambda route: (outside.append(route.request.url), route.abort()))
            page.set_default_timeout(30_000)
            page.goto(shop.docs_url)
            expect(page.locator(".opblock-summary-path", has_text="/v1/customers").first).to_be_visible()
            # "Try it out" on GET /health sends a real request from the page and shows the answer
            block = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text="/health"))
            block.locator(".opblock-summary").click()
            block.get_by_role("button", name="Try it out").click()
            block.get_by_role("button", name="Execute").click()
            expect(block.locator(".response-col_status", has_text="200").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "api-docs.png"), full_page=False)
        finally:
            browser.close()
    assert outside == [], f"the docs page tried to load from outside the machine: {outside[:3]}"
    assert [r["path"] for r in shop.requests()] == [], "only /health was called, and it is not under /v1"
