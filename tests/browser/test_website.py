"""The course as a website (`make site`, autograder/site.py): built from the lessons, opened in Chromium.

The site is built the way `make site` builds it (every lesson run with the kit's real parts), into a temporary
folder, and served on loopback. The browser may load nothing from any other host: every request that leaves
127.0.0.1 is refused and fails the test. Each lesson page must render its title, its tables and as many
plots as its lesson drew, with no error in the console; quizzes show their questions as text marked
"answer it in JupyterLab", with no answers.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading

import pytest

from autograder import site
from tests.support import ROOT
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_browser
from tpmkit.quiz import STATIC_NOTE

pytestmark = pytest.mark.xdist_group("website")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    need_browser()
    dest = tmp_path_factory.mktemp("site") / "site"
    manifest = site.build(dest)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(dest))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield dest, manifest, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_every_lesson_is_a_page_and_the_front_page_is_the_module_table(built):
    dest, manifest, _ = built
    assert [entry["module"] for entry in manifest["lessons"]] == [p.stem for p in site.lessons()]
    front = (dest / "index.html").read_text(encoding="utf-8")
    for entry in manifest["lessons"]:
        assert (dest / entry["page"]).is_file()
        assert f'href="{entry["page"]}' in front, f"the front page does not link {entry['page']}"


def test_the_site_loads_nothing_from_other_hosts(built):
    dest, _, _ = built
    for page in dest.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert remote == [], f"{page.name} loads {remote}"


def test_each_lesson_page_renders_with_its_plots_in_chromium(built):
    from playwright.sync_api import sync_playwright

    _, manifest, base = built
    assert sum(entry["plots"] for entry in manifest["lessons"]) > 0, "the lessons drew no plot at all"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors, elsewhere = [], []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def only_loopback(route):
            if route.request.url.startswith(base):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        for entry in manifest["lessons"]:
            page.goto(f"{base}/{entry['page']}")
            page.wait_for_load_state("load")
            assert page.locator("article h1").first.inner_text().strip(), entry["page"]
            # Every plot the lesson drew is on the page and was really decoded by the browser.
            drawn = page.evaluate("""() => [...document.querySelectorAll('.cell_output img')]
                .filter(img => img.complete && img.naturalWidth > 0).length""")
            assert drawn == entry["plots"], (entry["page"], drawn, entry["plots"])
        browser.close()
    assert errors == [], errors
    assert elsewhere == [], elsewhere


def test_quizzes_are_readable_marked_and_never_answered(built):
    dest, _, _ = built
    banks = {p.name.removesuffix(".quiz.yaml"): p for p in (ROOT / "course").glob("*.quiz.yaml")}
    from tpmkit.quiz import _to_html, read_bank

    seen = 0
    for module, bank in banks.items():
        page = (dest / f"{module}.html").read_text(encoding="utf-8")
        seen += page.count("tpmkit-quiz-static")
        for spec in read_bank(bank):
            for text in [spec.get("answer_note"), *(o.get("feedback") for o in spec.get("options", []))]:
                if isinstance(text, str) and len(text) > 25:
                    assert _to_html(text) not in page, (module, spec["id"])
    assert seen > 0 and STATIC_NOTE.split(":")[0] in (dest / "00-start-here.html").read_text(encoding="utf-8")


def test_the_manifest_is_what_make_site_leaves_beside_the_pages(built):
    dest, manifest, _ = built
    assert json.loads((dest / "site-manifest.json").read_text()) == manifest
