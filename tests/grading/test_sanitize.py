"""autograder.untrusted.sanitize: learner markdown and outputs are inert on the instructor's rendering path.

The proof renders an autograded-style notebook with nbconvert's HTMLExporter (what stock `nbgrader
generate_feedback` uses) and inspects the HTML: each payload is active in the raw notebook and inert once
sanitized. Every payload carries its own marker, so a finding names the payload that caused it."""

from __future__ import annotations

import functools
import json
import random
from html.parser import HTMLParser

import nbformat
import pytest
from nbconvert import HTMLExporter

from autograder.untrusted import sanitize

# Markdown cells a learner could write. Each marker XSS-NN appears in the payload's active part.
MARKDOWN = {
    "XSS-01": "<img src=x onerror=alert(/XSS-01/)>",
    "XSS-02": '<script>alert("XSS-02")</script>',
    "XSS-03": "<svg onload=alert(/XSS-03/)>",
    "XSS-04": '<svg><script>alert("XSS-04")</script></svg>',
    "XSS-05": "<iframe src=\"javascript:alert('XSS-05')\"></iframe>",
    "XSS-06": "<a href=\"javascript:alert('XSS-06')\">click</a>",
    "XSS-07": "<a href=\"JaVaScRiPt:alert('XSS-07')\">click</a>",
    "XSS-08": "<a href=\"jav&#x61;script&#x3a;alert('XSS-08')\">click</a>",
    "XSS-09": "<object data=\"javascript:alert('XSS-09')\"></object>",
    "XSS-10": "<embed src=\"javascript:alert('XSS-10')\">",
    "XSS-11": "<form action=\"javascript:alert('XSS-11')\"><button>go</button></form>",
    "XSS-12": "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('XSS-12')\">",
    "XSS-13": "<base href=\"javascript:alert('XSS-13')//\">",
    "XSS-14": "<link rel=\"import\" href=\"javascript:alert('XSS-14')\">",
    "XSS-15": "<style>@import \"javascript:alert('XSS-15')\";</style>",
    "XSS-16": "<div style=\"background:url(javascript:alert('XSS-16'))\">x</div>",
    "XSS-17": "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:alert('XSS-17')\">m</maction></math>",
    "XSS-18": '<details open ontoggle=alert("XSS-18")>d</details>',
    "XSS-19": "<a href=\"data:text/html,<script>alert('XSS-19')</script>\">x</a>",
    "XSS-20": "<button formaction=\"javascript:alert('XSS-20')\">go</button>",
    "XSS-21": "<a href=\" \x01 vbscript:msgbox('XSS-21')\">x</a>",
    "XSS-22": "[x](javascript:alert('XSS-22'))",
    "XSS-23": "![x](javascript:alert('XSS-23'))",
    "XSS-24": "[r]: javascript:alert('XSS-24')\n\nSee [this][r].",
    "XSS-25": "<javascript:alert('XSS-25')>",
    "XSS-26": "[x]( JaVaScRiPt :alert('XSS-26'))",
    "XSS-27": "[x](jav&#x61;script:alert('XSS-27'))",
    "XSS-28": "Some *prose* first.\n\n<img src=x onerror=alert(/XSS-28/)> and **more**",
}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
# Outputs a learner's code could produce.
OUTPUTS = {
    "XSS-40": {"output_type": "display_data", "metadata": {},
               "data": {"text/html": '<script>alert("XSS-40")</script><b>ok</b>', "text/plain": "ok"}},
    "XSS-41": {"output_type": "display_data", "metadata": {},
               "data": {"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'XSS-41\')"/>'}},
    "XSS-42": {"output_type": "display_data", "metadata": {}, "data": {"application/javascript": 'alert("XSS-42")'}},
    "XSS-43": {"output_type": "display_data", "metadata": {},
               "data": {"application/vnd.jupyter.widget-view+json":
                        {"model_id": "XSS-43", "version_major": 2, "version_minor": 0}}},
    "XSS-44": {"output_type": "execute_result", "execution_count": 1, "metadata": {},
               "data": {"text/markdown": "<img src=x onerror=alert(/XSS-44/)>", "text/plain": "md"}},
    "XSS-45": {"output_type": "display_data", "data": {"image/png": PNG},
               "metadata": {"image/png": {"width": "1 onerror=alert('XSS-45')"}}},
    "XSS-46": {"output_type": "display_data", "metadata": {},
               "data": {"text/html": "<iframe srcdoc=\"<script>alert('XSS-46')</script>\"></iframe>"}},
}
MARKERS = [*MARKDOWN, *OUTPUTS]
URL_ATTRIBUTES = {"href", "src", "action", "data", "formaction", "xlink:href", "poster", "background"}
FOREIGN = {"iframe", "object", "embed", "svg", "math", "form", "meta", "base", "link", "frame", "frameset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def test_corpus_is_big_enough():
    assert len(MARKERS) >= 20 and len(set(MARKERS)) == len(MARKERS)


class Findings(HTMLParser):
    """Active content in a page: which markers reached an event handler, a script, a URL or a foreign element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.active: dict[str, list[str]] = {}   # marker -> why
        self.bad_urls: list[str] = []            # dangerous URLs, marker or not
        self.foreign = 0                         # iframe/object/embed/svg/math/form/... elements
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self._raw: str | None = None             # inside <script> or <style>

    def _flag(self, value: str, why: str):
        for marker in MARKERS:
            if marker in value:
                self.active.setdefault(marker, []).append(why)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in ("script", "style"):
            self._raw = tag
        if tag in FOREIGN:
            self.foreign += 1
            self._flag(" ".join(f"{k}={v}" for k, v in attrs), f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._flag(value, f"{tag} {name}")
            if name == "style":
                self._flag(value, f"{tag} style")
            if name in URL_ATTRIBUTES:
                self.links.append(value)
                plain = "".join(c for c in value if ord(c) > 0x20 and c != "\x7f").lower()
                if plain.startswith(BAD_SCHEMES):
                    self.bad_urls.append(value)
                    self._flag(value, f"{tag} {name}")

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self._flag(data, f"<{self._raw}> body")
        else:
            self.text.append(data)


@functools.cache
def exporter(template: str) -> HTMLExporter:
    return HTMLExporter(template_name=template)


def render(nb: dict, template: str = "lab") -> Findings:
    page, _ = exporter(template).from_notebook_node(nbformat.from_dict(nb))
    findings = Findings()
    findings.feed(page)
    return findings


def notebook(markdown: list[str], outputs: list[list[dict]]) -> dict:
    """An autograded-style notebook: learner markdown cells and code cells carrying learner outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in markdown]
    nb.cells += [nbformat.v4.new_code_cell("answer()", outputs=out, execution_count=1) for out in outputs]
    return json.loads(json.dumps(nb))


RAW = notebook(list(MARKDOWN.values()), [[out] for out in OUTPUTS.values()])
# The widget view renders only when the notebook carries the widget's state (the grader drops notebook metadata).
WIDGET = {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
          "state": {"value": "<img src=x onerror=alert('XSS-43')>"}}
RAW["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json":
                              {"version_major": 2, "version_minor": 0, "state": {"XSS-43": WIDGET}}}
CLEAN = notebook([sanitize.markdown(text) for text in MARKDOWN.values()],
                 [sanitize.outputs([out]) for out in OUTPUTS.values()])


@pytest.mark.parametrize("template", ["lab", "classic"])
def test_payloads_are_active_unsanitized_and_inert_sanitized(template):
    baseline = render(notebook([""] * len(MARKDOWN), [[] for _ in OUTPUTS]), template)
    raw = render(RAW, template)
    # The attack is real: most payloads run (or load a foreign document) in the unsanitized export.
    assert len(raw.active) >= 0.7 * len(MARKERS), f"only {sorted(raw.active)} active unsanitized"
    assert raw.foreign > baseline.foreign

    clean = render(CLEAN, template)
    assert clean.active == {}
    assert clean.bad_urls == []
    assert clean.foreign <= baseline.foreign   # whatever the template itself holds, nothing from the learner


def test_every_markdown_payload_alone_is_inert():
    for marker, text in MARKDOWN.items():
        findings = render(notebook([sanitize.markdown(text)], []))
        assert findings.active == {} and findings.bad_urls == [], (marker, sanitize.markdown(text))


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "![x](javascript:alert(1))", "[r]: javascript:alert(1)", "[x](  JaVaScRiPt :alert(1))",
    "[x](jav&#x61;script:alert(1))", "[x](javascript&colon;alert(1))", "[x](java&#9;script:alert(1))",
    "[x](javascript\\:alert(1))", "[x](%6Aavascript:alert(1))", "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](<javascript:alert(1)>)", "[x]\n(javascript:alert(1))",
])
def test_markdown_link_schemes_are_blocked(text):
    out = sanitize.markdown(text)
    assert "#blocked" in out or "<a " in out   # raw-HTML path: mistune's link, then nh3 dropped its href
    findings = render(notebook([out], []))
    assert findings.bad_urls == [] and not [link for link in findings.links if "(1)" in link or "PHNj" in link]


def test_plain_markdown_is_kept_as_written():
    text = ("# Plan\n\nWe pick **B**: it is *cheaper*.\n\n- a < b and c > d\n- `x = 1`\n\n| a | b |\n|---|---|\n"
            "| 1 | 2 |\n\n$x^2$ and [docs](https://example.org/a_(b) \"title: here\") ![i](https://example.org/i.png)"
            "\n[m](mailto:pm@example.org) [up](../notes.md#top) ![p](data:image/png;base64,AAAA)\n\n[r]: https://x.org")
    assert sanitize.markdown(text) == text


def test_benign_answer_survives_rendering():
    answer = ("# My answer\n\nI chose **option B** because:\n\n- it is *cheaper*\n- it ships sooner\n\n"
              "| option | cost |\n|--------|------|\n| A | 10 |\n| B | 7 |\n\n"
              "The tag `<b>` makes text bold, and a < b and c > d holds. The area is $x^2$.\n\n"
              "See [the guide](https://example.org/guide) and ![chart](https://example.org/chart.png).\n")
    findings = render(notebook([sanitize.markdown(answer)], []))
    text = " ".join("".join(findings.text).split())
    for words in ["My answer", "option B", "cheaper", "ships sooner", "option", "cost", "10", "7",
                  "The tag <b> makes text bold", "a < b and c > d holds", "x^2"]:
        assert words in text
    assert {"h1", "strong", "em", "li", "table", "td", "code", "a", "img"} <= findings.tags
    assert "https://example.org/guide" in findings.links and "https://example.org/chart.png" in findings.links
    assert findings.active == {} and findings.bad_urls == []


def test_html_allow_list():
    out = sanitize.html_fragment(
        '<p style="color:red" id="x" class="c"><b>b</b><a href="https://x.org" onclick="y">l</a>'
        '<img src="data:image/png;base64,AAAA" width="5" height="9 onerror=x">'
        '<img src="data:image/svg+xml;base64,AAAA"><a href="mailto:a@b.org">m</a></p><hr><table><tr><td colspan="2">'
        "c</td></tr></table><style>p{}</style><textarea>t</textarea>")
    assert out == ('<p><b>b</b><a href="https://x.org" rel="noopener noreferrer">l</a>'
                   '<img src="data:image/png;base64,AAAA" width="5"><img>'
                   '<a href="mailto:a@b.org" rel="noopener noreferrer">m</a></p><hr><table><tbody><tr><td colspan="2">'
                   "c</td></tr></tbody></table>")


def test_outputs_contract():
    out = sanitize.outputs([
        {"output_type": "stream", "name": "stdin", "text": ["a", "b"]},
        {"output_type": "error", "ename": 7, "evalue": "v" * 5000, "traceback": ["t" * 9000] * 80},
        {"output_type": "display_data", "data": {"text/plain": ["a", "b"], "image/png": "not base64!",
                                                 "image/gif": PNG[:40] + "\n" + PNG[40:]},
         "metadata": {"isolated": True, "image/gif": {"width": 3, "height": True}, "image/png": {"width": 2}}},
        {"output_type": "execute_result", "execution_count": "1", "data": {"Weird<Type>": 1, "text/latex": "$x$"},
         "metadata": {}},
        "not a dict", {"output_type": "nope"}, {"output_type": "display_data", "data": []},
    ])
    assert out[0] == {"output_type": "stream", "name": "stdout", "text": "ab"}
    assert out[1]["ename"] == "7" and len(out[1]["evalue"]) == 2000
    assert len(out[1]["traceback"]) == 50 and {len(line) for line in out[1]["traceback"]} == {5000}
    assert out[2]["data"] == {"text/plain": "ab", "image/gif": PNG}
    assert out[2]["metadata"] == {"image/gif": {"width": 3}}
    assert out[3] == {"output_type": "execute_result", "execution_count": None, "metadata": {},
                      "data": {"text/plain": "[an output the graded notebook does not show: weirdtype, text/latex]"}}
    for note in out[4:]:
        assert note["output_type"] == "display_data" and note["data"]["text/plain"].startswith("[an output")
    assert sanitize.outputs(None) == [] and sanitize.outputs({"output_type": "stream"})[0]["data"]
    nbformat.validate(nbformat.from_dict(notebook([], [out])))


def test_sanitized_payload_notebook_validates():
    nbformat.validate(nbformat.from_dict(CLEAN))


# --- fuzz ---------------------------------------------------------------------------------------------

KEYS = ["output_type", "data", "metadata", "name", "text", "ename", "evalue", "traceback", "execution_count",
        "text/plain", "text/html", "text/markdown", "image/png", "image/gif", "image/svg+xml", "width", "height"]
KINDS = ["stream", "error", "display_data", "execute_result", "update_display_data", "", None, 3]


def junk(rng: random.Random, depth: int = 0):
    pick = rng.randrange(10 if depth < 4 else 6)
    if pick == 0:
        return rng.choice([0, -1, 2**70, 10**5000, True, 1.5, float("nan"), float("inf"), None])
    if pick in (1, 2):  # text with control characters, markup and lone surrogates
        return "".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0xD800, 0xE000), rng.randrange(0x10FFFF)]))
                       for _ in range(rng.randrange(12))) + rng.choice(["", "<script>", "AAAA", "\n"])
    if pick == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(8)))
    if pick == 4:
        return [rng.choice(["a", "<b>", "\ud800"]) for _ in range(rng.randrange(4))]
    if pick == 5:
        deep: dict = {}
        for _ in range(rng.choice([1, 50, 3000])):
            deep = {"data": deep}
        return deep
    if pick in (6, 7):
        return [junk(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): junk(rng, depth + 1) for _ in range(rng.randrange(5))}


def junk_output(rng: random.Random):
    if rng.random() < 0.2:
        return junk(rng)
    out = {key: junk(rng, 2) for key in rng.sample(KEYS[1:9], rng.randrange(5))}
    out["output_type"] = rng.choice(KINDS)
    if rng.random() < 0.6:
        out["data"] = {rng.choice(KEYS[9:] + ["application/javascript"]): junk(rng, 3) for _ in range(rng.randrange(4))}
    return out


def test_fuzz_outputs_never_raise_and_always_validate():
    rng = random.Random(13)
    for _ in range(300):
        items = [junk_output(rng) for _ in range(rng.randrange(4))] if rng.random() < 0.9 else junk(rng)
        out = sanitize.outputs(items)
        nb = nbformat.from_dict(notebook([], [out]))
        nbformat.validate(nb)
        json.dumps(nb, ensure_ascii=False).encode("utf-8")   # writable as a .ipynb


def test_deeply_nested_html_is_shown_as_text_not_parsed():
    """nh3's time grows with the square of the nesting depth; past MAX_TAGS the fragment is escaped instead."""
    deep = "<div>" * (sanitize.MAX_TAGS + 1) + "<img src=x onerror=alert('XSS-99')>"
    cleaned = sanitize.html_fragment(deep)
    assert cleaned.startswith("<pre>") and "<img" not in cleaned and "<div>" not in cleaned
    assert sanitize.html_fragment("<b>bold</b>") == "<b>bold</b>"
