"""tpmkit.lab_save: a saved notebook keeps a line of text where its widgets were, so it reopens without
"Error displaying widget: model not found" (the browser test sees it in JupyterLab; these are the rules)."""

from __future__ import annotations

import copy
import json

from tests.support import ROOT
from tpmkit import lab_save
from tpmkit.lab_save import FALLBACK, WIDGET_STATE, WIDGET_VIEW


def notebook_with(outputs: list[dict], metadata: dict | None = None) -> dict:
    return {"cells": [{"cell_type": "code", "source": "quiz['x']", "outputs": outputs, "metadata": {}},
                      {"cell_type": "markdown", "source": "text", "metadata": {}}],
            "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5}


def widget_output() -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": "SingleChoice(children=(...))",
                     WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0}}}


def test_widget_outputs_become_a_line_to_run_the_cell_and_other_outputs_stay():
    table = {"output_type": "execute_result", "metadata": {}, "execution_count": 3,
             "data": {"text/plain": "3000", "text/html": "<b>3000</b>"}}
    stream = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    model = {"type": "notebook", "content": notebook_with([widget_output(), table, stream])}
    lab_save.pre_save(model=model, path="course/00-start-here.ipynb", contents_manager=None)
    outputs = model["content"]["cells"][0]["outputs"]
    assert outputs[0]["data"] == {"text/plain": FALLBACK}
    assert outputs[1] == table and outputs[2] == stream


def test_a_notebook_with_saved_widget_state_is_left_alone():
    state = {"widgets": {WIDGET_STATE: {"state": {"abc": {"model_name": "VBoxModel"}}, "version_major": 2}}}
    notebook = notebook_with([widget_output()], state)
    before = copy.deepcopy(notebook)
    assert lab_save.without_widget_views(notebook) == 0
    assert notebook == before


def test_files_that_are_not_notebooks_are_left_alone():
    model = {"type": "file", "format": "text", "content": json.dumps(notebook_with([widget_output()]))}
    before = copy.deepcopy(model)
    lab_save.pre_save(model=model, path="notes.txt")
    assert model == before


def test_make_lab_enables_the_extension_from_the_kits_config():
    enabled = json.loads((ROOT / "jupyter-config" / "jupyter_server_config.d" / "tpmkit.json").read_text())
    assert enabled["ServerApp"]["jpserver_extensions"] == {"tpmkit.lab_save": True}
    makefile = (ROOT / "Makefile").read_text()
    assert "lab: $(STAMP) $(LAB_CONFIG)" in makefile


def test_the_extension_registers_the_hook_on_a_real_server_app():
    from jupyter_server.serverapp import ServerApp

    app = ServerApp()
    app.initialize(argv=["--ServerApp.port=0", "--ServerApp.open_browser=False"], find_extensions=False,
                   new_httpserver=False)
    assert lab_save.pre_save not in app.contents_manager._pre_save_hooks
    lab_save._load_jupyter_server_extension(app)
    assert lab_save.pre_save in app.contents_manager._pre_save_hooks
