"""TPM Kit: the package the course notebooks import (quizzes, checks, progress, data, SLO maths, plots)."""

from tpmkit.display import install_figure_display
from tpmkit.errors import CheckFailed, KitError, install_notebook_handler

__version__ = "0.1.0"
__all__ = ["CheckFailed", "KitError", "__version__"]

install_notebook_handler()
install_figure_display()
