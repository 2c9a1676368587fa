"""TPM Kit: the package the course notebooks import (quizzes, checks, progress, data, and a module per topic)."""

from tpmkit.display import install_figure_display
from tpmkit.errors import CheckFailed, KitError, install_notebook_handler

__version__ = "0.1.0"   # the kit's one version number (pyproject.toml reads it)
__all__ = ["CheckFailed", "KitError", "__version__"]

install_notebook_handler()
install_figure_display()
