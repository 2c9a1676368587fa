"""Cells run in a real python3 kernel (this environment's), errors allowed, as a learner's notebook runs them."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient


def run_in_kernel(*sources: str) -> list[nbformat.NotebookNode]:
    """Execute cells in a real python3 kernel (this environment's), errors allowed; return the cells."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", timeout=60, allow_errors=True).execute()
    return nb.cells


def errors_of(cell):
    return [out for out in cell.outputs if out.output_type == "error"]
