"""What a saved lesson keeps of its quizzes: a line of text, not a widget that can no longer be drawn.

A quiz is an ipywidget: its output in the notebook file points at a widget model that lives in the
running kernel. Reopened later, JupyterLab and Notebook 7 find no such model and show "Error displaying
widget: model not found" in every quiz cell. This module is a small Jupyter server extension (`make lab`
enables it in the kit's environment from jupyter-config/, so any `jupyter lab` or `jupyter notebook`
started from that environment loads it): the server runs `pre_save` on every notebook it saves, and it
replaces each widget output in the file with one line saying to run the cell. The page the learner has
open keeps its live widgets; only the file changes. When a notebook carries saved widget state
(JupyterLab's "Save Widget State Automatically"), its widgets can be drawn again, so the file is left
alone.
"""

from __future__ import annotations

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
FALLBACK = "Interactive quiz or control: run this cell to show it again (your saved quiz answers are kept)."


def without_widget_views(notebook: dict) -> int:
    """Replace every widget output of a notebook (as JSON) with FALLBACK; returns how many changed."""
    if (notebook.get("metadata") or {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state"):
        return 0
    changed = 0
    for cell in notebook.get("cells") or []:
        for output in cell.get("outputs") or []:
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and WIDGET_VIEW in data:
                output["data"] = {"text/plain": FALLBACK}
                changed += 1
    return changed


def pre_save(model: dict, **_kwargs) -> None:
    """The Jupyter server's pre-save hook (ContentsManager.pre_save_hook)."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        without_widget_views(model["content"])


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "tpmkit.lab_save"}]


def _load_jupyter_server_extension(serverapp) -> None:
    serverapp.contents_manager.register_pre_save_hook(pre_save)
