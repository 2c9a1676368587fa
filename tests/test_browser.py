"""A real browser: JupyterLab on 127.0.0.1 with a copy of a lesson, driven in headless Chromium by
Playwright. The notebook is run (Run > Run All Cells), one quiz is answered wrongly and then rightly by
clicking, the feedback shown is checked, progress is found in a throwaway SQLite file, and a
screenshot is saved. Then, with the kernel shut down, the same lesson opens in Notebook 7 on the same
server: the widgets render there too, and the reloaded quiz shows the saved answer.

It needs Debian's chromium (`scripts/install-system-packages.sh` installs it) and the `playwright`
Python package (the dev extra). Playwright's own browser download is never used. Under CI=true a
missing browser fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_lab import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "tpmkit-browser-token"
LESSON = "00-start-here"
STABLE_SCREENSHOT = Path(tempfile.gettempdir()) / "tpmkit-browser-test" / f"{LESSON}-quiz.png"


def need_browser():
    """Skip (or, under CI=true, fail) when Chromium or Playwright is missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run scripts/install-system-packages.sh (Debian package chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing: pip install -e '.[dev]'"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


def start_lab(folder: Path, progress: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "TPMKIT_PROGRESS": str(progress),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTERLAB_SETTINGS_DIR": str(folder / ".lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".lab-workspaces")}
    env.pop("TPMKIT_GRADING", None)
    args = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={folder}",
            "--LabApp.news_url=", "--ServerApp.open_browser=False"]
    if os.getuid() == 0:
        args.append("--ServerApp.allow_root=True")
    log = open(folder / "lab.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(url: str, server: subprocess.Popen, folder: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start: " + (folder / "lab.log").read_text()[-2000:])
            time.sleep(0.5)


def run_all(page) -> None:
    """Run > Run All Cells, pressed again if the kernel was still being wired up and nothing ran."""
    ran = page.locator(".jp-InputPrompt", has_text="[1]:")
    for _ in range(4):
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
        try:
            ran.first.wait_for(timeout=10_000)
            return
        except Exception:  # a Playwright timeout: try the menu again
            page.keyboard.press("Escape")
    ran.first.wait_for(timeout=1_000)


def shut_down_kernels(base: str) -> None:
    """What closing JupyterLab does to the kernel: the next notebook page starts a new one."""
    import json

    def call(method: str, path: str):
        request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    for session in json.loads(call("GET", "/api/sessions")):
        call("DELETE", f"/api/sessions/{session['id']}")


def test_lesson_quiz_in_a_real_browser(tmp_path):
    need_browser()
    from playwright.sync_api import expect, sync_playwright

    # A copy of the lesson, so a save or autosave never writes outputs into the repository.
    course = tmp_path / "site" / "course"
    course.mkdir(parents=True)
    for suffix in (".ipynb", ".quiz.yaml"):
        shutil.copy(ROOT / "course" / f"{LESSON}{suffix}", course)
    progress_file = tmp_path / "progress.sqlite"
    port = free_port()
    server = start_lab(tmp_path / "site", progress_file, port)
    base = f"http://127.0.0.1:{port}"
    screenshot = tmp_path / f"{LESSON}-quiz.png"
    try:
        wait_for(f"{base}/api/status", server, tmp_path / "site")
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
            try:
                page = context.pages[0] if context.pages else context.new_page()
                STABLE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.set_default_timeout(30_000)
                page.goto(f"{base}/lab/tree/course/{LESSON}.ipynb?token={TOKEN}")
                page.locator(".jp-Notebook").first.wait_for()
                # the kernel is connected and idle (the status bar says so) before Run All is pressed
                expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(timeout=45_000)
                run_all(page)

                wrong = "The data changed overnight."
                right = "Yesterday's 3,000 came from cells run out of order"
                quiz = page.locator(".jp-OutputArea-output", has=page.get_by_text(wrong, exact=True)).first
                quiz.wait_for(timeout=90_000)  # Run All on a loaded 2-core CI machine
                quiz.scroll_into_view_if_needed()

                quiz.locator("label", has_text=wrong).click()
                quiz.get_by_role("button", name="Check").click()
                verdict = quiz.locator(".tpmkit-verdict")
                expect(verdict).to_contain_text("Not quite.")
                expect(verdict).to_contain_text("every data set is generated on your machine from a fixed seed")

                quiz.locator("label", has_text=right).click()
                quiz.get_by_role("button", name="Check").click()
                expect(verdict).to_contain_text("Correct.")
                expect(verdict).to_contain_text("The kernel remembers every value you ever set")

                page.screenshot(path=str(screenshot), full_page=False)
                expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(timeout=45_000)

                # Notebook 7, with a new kernel: the same widgets, and the saved answer is shown again
                shut_down_kernels(base)
                page.goto(f"{base}/notebooks/course/{LESSON}.ipynb?token={TOKEN}")
                page.locator(".jp-Notebook").first.wait_for()
                run_all(page)
                quiz = page.locator(".jp-OutputArea-output", has=page.get_by_text(wrong, exact=True)).first
                quiz.wait_for(timeout=90_000)  # Run All on a loaded 2-core CI machine
                expect(quiz).to_contain_text("You answered this before: correct on attempt 2")
                quiz.scroll_into_view_if_needed()
                page.screenshot(path=str(tmp_path / f"{LESSON}-notebook7.png"))
            except Exception:
                page.screenshot(path=str(STABLE_SCREENSHOT.with_name("failure.png")))
                print(f"failure screenshot: {STABLE_SCREENSHOT.with_name('failure.png')}")
                raise
            finally:
                context.close()
    finally:
        stop(server)

    rows = sqlite3.connect(progress_file).execute(
        "SELECT module, question, correct, attempt FROM quiz_answers ORDER BY rowid").fetchall()
    assert rows == [(LESSON, "restart-run-all", 0, 1), (LESSON, "restart-run-all", 1, 2)]
    checks = sqlite3.connect(progress_file).execute("SELECT module, name, passed FROM self_checks").fetchall()
    assert (LESSON, "minutes", 1) in checks  # the lesson's self-check, named by its notebook

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
