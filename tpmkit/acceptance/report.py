"""How a run is shown: `Report` holds one result per scenario (plain dicts) and draws it as text, HTML or a chart.

It only presents what runner.py produced; it never runs anything. Each scenario dict holds name, line, status
(passed, failed or undefined), steps (each with keyword, kind, text, line, status and message), failing_step,
why and timed_out.
"""

from __future__ import annotations

import html

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from tpmkit.acceptance.gherkin import shorten

_COLOURS = {"passed": "#1a7f37", "failed": "#b42318", "undefined": "#dba100", "skipped": "#b0b0b0"}
_MARKS = {"passed": "✓", "failed": "✗", "undefined": "?", "skipped": "–"}


class Report:
    """What happened when a feature ran: one entry per scenario, each step passed, failed, undefined or skipped.

    Shows as a table in a notebook; `chart()` draws it; `scenarios` and `summary()` are plain data.
    """

    def __init__(self, scenarios: list[dict], target: str):
        self.scenarios = scenarios
        self.target = target

    @property
    def passed(self) -> int:
        return sum(s["status"] == "passed" for s in self.scenarios)

    @property
    def failed(self) -> int:
        return sum(s["status"] == "failed" for s in self.scenarios)

    def summary(self) -> dict:
        """Plain data: how many scenarios, how many passed and failed, and the steps the kit did not know."""
        undefined = [{"line": st["line"], "step": f"{st['keyword']} {st['text']}",
                      "nearest": st["nearest"]}
                     for s in self.scenarios for st in s["steps"] if st["status"] == "undefined"]
        return {"scenarios": len(self.scenarios), "passed": self.passed, "failed": self.failed,
                "undefined_steps": undefined}

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"scenario": s["name"], "result": s["status"], "failing step": s["failing_step"],
                              "why": s["why"]} for s in self.scenarios])

    def __repr__(self) -> str:
        lines = [f"{self.passed} of {len(self.scenarios)} scenarios passed against {self.target}"]
        for s in self.scenarios:
            lines.append(f"{_MARKS.get(s['status'], '?')} {s['name']}: {s['status']}")
            for st in s["steps"]:
                note = f"  <- {st['message']}" if st["message"] else ""
                lines.append(f"    {_MARKS[st['status']]} {st['keyword']} {st['text']}{note}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        out = [f"<p><b>{self.passed} of {len(self.scenarios)} scenarios passed</b> against "
               f"{html.escape(self.target)}</p><table>"]
        for s in self.scenarios:
            colour = _COLOURS.get(s["status"], "#333")
            out.append(f'<tr><td colspan="2" style="text-align:left"><b style="color:{colour}">'
                       f"{_MARKS.get(s['status'], '?')} {html.escape(s['name'])}</b> ({s['status']})</td></tr>")
            for st in s["steps"]:
                c = _COLOURS[st["status"]]
                out.append(f'<tr><td style="text-align:left;color:{c};padding-left:2em">{_MARKS[st["status"]]} '
                           f"<b>{html.escape(st['keyword'])}</b> {html.escape(st['text'])}</td>"
                           f'<td style="text-align:left;color:{c}">{html.escape(st["message"])}</td></tr>')
        out.append("</table>")
        return "".join(out)

    def chart(self) -> Figure:
        """Each scenario as a row of squares, one per step: green passed, red failed, amber undefined, grey skipped."""
        rows = self.scenarios
        width = max(len(s["steps"]) for s in rows)
        fig = Figure(figsize=(min(3 + 0.9 * width + 4, 14), 0.6 * len(rows) + 1.4), layout="constrained")
        ax = fig.subplots()
        for y, s in enumerate(reversed(rows)):
            for x, st in enumerate(s["steps"]):
                ax.add_patch(Rectangle((x + 0.08, y + 0.12), 0.84, 0.76, facecolor=_COLOURS[st["status"]],
                                       edgecolor="white"))
                ax.text(x + 0.5, y + 0.5, st["kind"][0].upper(), ha="center", va="center", color="white",
                        fontsize=9, fontweight="bold")
            if s["why"]:
                ax.text(len(s["steps"]) + 0.2, y + 0.5, shorten(s["why"], 70), va="center", fontsize=8.5,
                        color=_COLOURS[s["status"]])
        ax.set_xlim(0, width + 7)
        ax.set_ylim(0, len(rows))
        ax.set_yticks([y + 0.5 for y in range(len(rows))],
                      [shorten(s["name"], 40) for s in reversed(rows)], fontsize=9)
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"{self.passed} of {len(rows)} scenarios passed against {self.target}\n"
                     "(each square is a step: G = Given, W = When, T = Then)", fontsize=10)
        fig.legend(handles=[Patch(color=c, label=k) for k, c in _COLOURS.items()], loc="outside lower center",
                   fontsize=8.5, ncol=4, frameon=False)
        return fig
