"""Make learner markdown and cell outputs safe to render in an instructor's browser (stored-XSS defence).

A learner writes the markdown cells and, through their code, the outputs of a submission; formgrader, stock
`nbgrader generate_feedback` (nbconvert's HTMLExporter) and JupyterLab render both as HTML in the instructor's
session. The grader passes every learner-controlled markdown cell through `markdown()` and every output list
through `outputs()` before it writes a notebook or a page.

- `markdown(text)`: plain markdown is kept as written; only link destinations with a scheme other than
  http, https, mailto (or a data: PNG/JPEG/GIF image) are replaced by `#blocked`. Markdown that holds raw
  HTML (anything that starts like a tag: `<` then a letter, `/`, `!` or `?`) is rendered with mistune and
  the result is cleaned by nh3 (Ammonia) with a small allow-list; it comes back as one line of HTML inside a
  `<div>`, which every CommonMark renderer passes through as a raw HTML block.
- `html_fragment(text)`: the same nh3 allow-list for `text/html` outputs.
- `outputs(items)`: nbformat v4 outputs rebuilt from an allow-list of output types, fields and MIME types.
  It never raises; whatever it cannot read becomes a short plain-text note.
"""

from __future__ import annotations

import base64
import binascii
import html
import math
import re
import unicodedata
from typing import Any, cast
from urllib.parse import unquote

import mistune
import nh3

TAGS = {
    "p", "br", "b", "i", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "a", "img", "sub", "sup", "hr", "span", "div", "del",
}
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
}
# Dropped together with everything inside them: their content is code or a document, never prose.
DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "noscript", "template", "textarea",
    "title", "xmp", "noembed", "noframes",
}
LINK_SCHEMES = {"http", "https", "mailto"}
BLOCKED = "#blocked"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")

_HTML_START = re.compile(r"<[A-Za-z/!?]")  # a tag, closing tag, comment, doctype or processing instruction
# Where markdown can take a URL: inline links and images `](url)` and reference definitions `]: url`.
# Deliberately loose (blanks allowed where CommonMark allows none, the rest of the line read as the URL):
# renderers differ, so err towards checking more. Only a destination whose scheme is not allowed is changed.
_DESTINATION = re.compile(r"\]\s*[(:]\s*(<[^<>\n]*>?|(?:[^\n()<>]|\([^\n()<>]*\))*)")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif)[;,]")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MIME = re.compile(r"[^a-z0-9/.+\-]")

_render = mistune.create_markdown(escape=False, plugins=["strikethrough", "table", "math"])


def markdown(text: str) -> str:
    """Learner markdown made safe to render in formgrader, nbconvert and JupyterLab."""
    text = _text(text)
    if _HTML_START.search(text):
        # mistune types a call as str | list (the list is the "ast" renderer's); the HTML renderer gives str.
        cleaned = html_fragment(cast(str, _render(text))).strip()
        # One line, so no renderer can end the HTML block early and read the rest as markdown again.
        text = "<div>" + cleaned.replace("\r", "").replace("\n", "&#10;") + "</div>"
    return _DESTINATION.sub(_block_destination, text)


MAX_TAGS = 5_000  # nh3's time grows with the square of the nesting depth: more tags than this are shown as text


def html_fragment(text: str) -> str:
    """An HTML fragment a learner controls, cleaned by nh3 with the allow-list above."""
    text = _text(text)
    if text.count("<") > MAX_TAGS:
        return "<pre>" + html.escape(text) + "</pre>"
    return nh3.clean(
        text, tags=TAGS, attributes=ATTRIBUTES, clean_content_tags=DROP_WITH_CONTENT,
        url_schemes=LINK_SCHEMES | {"data"}, attribute_filter=_attribute, strip_comments=True,
    )


def outputs(items: list[dict]) -> list[dict]:
    """nbformat v4 outputs rebuilt from what a graded notebook may show; never raises."""
    if isinstance(items, (list, tuple)):
        return [_output(item) for item in items]
    return [] if items is None else [_note("[outputs the grader could not read]")]


# --- URLs ---------------------------------------------------------------------------------------------

def _url_ok(url: str, *, image: bool) -> bool:
    """True when a URL has no scheme (relative, #fragment) or an allowed one, however it is disguised."""
    plain = url
    for _ in range(3):  # undo every encoding some renderer or browser might undo: \escapes, &entities;, %XX
        plain = unicodedata.normalize("NFKC", unquote(html.unescape(_BACKSLASH_ESCAPE.sub(r"\1", plain))))
    # Browsers drop tabs and newlines anywhere in a URL; dropping all blanks and invisibles is stricter.
    plain = "".join(c for c in plain if c.isprintable() and not c.isspace()).lower()
    scheme = _SCHEME.match(plain)
    if scheme is None or scheme.group(1) in LINK_SCHEMES:
        return True
    return image and _DATA_IMAGE.match(plain) is not None


def _block_destination(match: re.Match) -> str:
    url = match.group(1)
    if _url_ok(url.strip("<>"), image=True):
        return match.group(0)
    # What is left of an unusual destination (deeper parentheses) now follows '#', so it is a fragment.
    return match.group(0)[: match.start(1) - match.start(0)] + BLOCKED


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name not in ATTRIBUTES.get(tag, ()) and not (tag == "a" and name == "rel"):
        return None
    if any(c in value for c in "<>`"):  # nothing another parser (markdown, a template) could read as markup
        return None
    if name in ("href", "src"):
        return value if _url_ok(value, image=(tag == "img")) else None
    if name in ("width", "height", "colspan", "rowspan", "start"):
        return value if re.fullmatch(r"[0-9]{1,5}", value) else None
    return value


# --- outputs ------------------------------------------------------------------------------------------

def _output(item: object) -> dict:
    try:
        if not isinstance(item, dict):
            return _note("[an output the grader could not read]")
        kind = item.get("output_type")
        if kind == "stream":
            name = item.get("name")
            return {"output_type": "stream", "name": name if name in ("stdout", "stderr") else "stdout",
                    "text": _text(item.get("text", ""))}
        if kind == "error":
            traceback = item.get("traceback")
            lines = traceback if isinstance(traceback, (list, tuple)) else [] if traceback is None else [traceback]
            return {"output_type": "error", "ename": _text(item.get("ename", ""))[:200],
                    "evalue": _text(item.get("evalue", ""))[:2000],
                    "traceback": [_text(line)[:5000] for line in lines[:50]]}
        if kind in ("display_data", "execute_result") and isinstance(item.get("data"), dict):
            return _display(kind, item)
    except Exception:  # noqa: BLE001, S110 - a hostile shape (odd subclass, huge nesting) must not stop a batch
        pass
    return _note("[an output the grader could not read]")


def _display(kind: str, item: dict) -> dict:
    data = {}
    for mime, value in item["data"].items():
        if mime == "text/plain":
            data[mime] = _text(value)
        elif mime == "text/html":
            data[mime] = html_fragment(_text(value))
        elif mime == "text/markdown":
            data[mime] = markdown(_text(value))
        elif mime in IMAGE_TYPES and (image := _base64(value)):
            data[mime] = image
    if not data:
        names = [_MIME.sub("", _text(mime).lower())[:60] for mime in list(item["data"])[:5]]
        more = ", ..." if len(item["data"]) > 5 else ""
        data = {"text/plain": f"[an output the graded notebook does not show: {', '.join(names) or 'empty'}{more}]"}
    out: dict[str, Any] = {"output_type": kind, "data": data, "metadata": _image_metadata(item.get("metadata"), data)}
    if kind == "execute_result":
        count = item.get("execution_count")
        valid = isinstance(count, int) and not isinstance(count, bool) and 0 <= count < 2**31
        out["execution_count"] = count if valid else None
    return out


def _image_metadata(metadata: object, data: dict) -> dict:
    """Only numeric width/height per image type: templates write them into <img> unquoted."""
    kept = {}
    for mime in IMAGE_TYPES:
        entry = metadata.get(mime) if isinstance(metadata, dict) and mime in data else None
        if isinstance(entry, dict):
            size = {key: entry[key] for key in ("width", "height") if _number(entry.get(key))}
            if size:
                kept[mime] = size
    return kept


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        and 0 <= value <= 100_000


def _base64(value: object) -> str | None:
    """Base64 text with the line breaks taken out, or None: anything else could break out of src="..."."""
    text = "".join(_text(value).split())
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return text or None


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)) and all(isinstance(part, str) for part in value):
        value = "".join(value)
    elif not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # noqa: BLE001 - e.g. RecursionError on deep nesting, or an int too long to print
            value = "[unreadable]"
    # A lone surrogate (legal in JSON text) cannot be written as UTF-8 nor passed to nh3.
    return value.encode("utf-8", "replace").decode("utf-8")


def _note(text: str) -> dict:
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}
