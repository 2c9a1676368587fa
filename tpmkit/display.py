"""How tpmkit's pictures show in Jupyter.

Plot helpers return a matplotlib Figure. Jupyter only knows how to draw one once something has
imported pyplot; before that the first picture of a lesson would print as "<Figure size ...>".
Registering a PNG formatter for Figure when tpmkit is imported fixes that for every module. It is
registered by name, so importing tpmkit does not import matplotlib (half a second): a lesson or a graded
notebook that draws nothing never pays for it.
"""

from __future__ import annotations


def ipython_shell():
    """The running IPython shell (a notebook's kernel), or None in plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kit
        return None
    return get_ipython()


def install_figure_display() -> bool:
    """Show Figures as PNG pictures in IPython; a no-op outside IPython."""
    shell = ipython_shell()
    if shell is None:
        return False
    png = shell.display_formatter.formatters["image/png"]
    png.for_type_by_name("matplotlib.figure", "Figure", _png)
    return True


def _png(fig) -> bytes:
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight")
