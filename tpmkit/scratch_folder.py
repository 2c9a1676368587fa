"""A temporary folder that deletes itself, for the kit's hands-on objects (git sandboxes, the restore drill).

`ScratchFolder(prefix)` makes a new private folder under the temporary folder (`TMPDIR`), named
PREFIX followed by random letters, and writes into it `owner.pid`, the id of the process that made
it. The folder and everything in it is deleted by `cleanup()`, when the object that keeps it is
no longer used (garbage collection), or when Python exits, whichever comes first; `before_removal`
runs just before (to close a database, say). It must not refer to the object that keeps the folder,
or that object would never be collected.

A kernel killed outright (kill -9, a crash) deletes nothing, so each new folder first sweeps away
the folders with its prefix whose owner process no longer exists (POSIX only). Nothing else is
touched: a folder without a readable `owner.pid`, or whose process is alive or belongs to another
user, is left alone.

`ScratchOwner` is the lifecycle of a class that keeps its files in one (`self._scratch`):
`cleanup()`, `cleaned_up`, a `with` block, and `_alive()`, which refuses work once cleaned up.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tpmkit.errors import KitError

__all__ = ["OWNER", "ScratchFolder", "ScratchOwner", "sweep_stale"]

OWNER = "owner.pid"
_Owner = TypeVar("_Owner", bound="ScratchOwner")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists (POSIX)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else, or we cannot tell: leave it alone
    return True


def sweep_stale(prefix: str) -> None:
    """Delete folders named PREFIX* in the temporary folder whose owner process is gone (POSIX only)."""
    if os.name != "posix":
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            pid = int(Path(folder, OWNER).read_text())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _remove(path: str, before_removal: Callable[[], None] | None) -> None:
    if before_removal is not None:
        before_removal()
    shutil.rmtree(path, ignore_errors=True)


class ScratchFolder:
    """A new private folder (`.path`) that is deleted on `cleanup()`, garbage collection or exit.

    With `path`, that exact folder is made instead of a random one (mode 0700); if it already exists,
    FileExistsError is raised and nothing is made or deleted.
    """

    def __init__(self, prefix: str, *, path: str | None = None, before_removal: Callable[[], None] | None = None):
        sweep_stale(prefix)
        if path is None:
            path = tempfile.mkdtemp(prefix=prefix)
        else:
            os.mkdir(path, 0o700)
        self.path = path
        self._finalizer = weakref.finalize(self, _remove, path, before_removal)
        Path(path, OWNER).write_text(str(os.getpid()))

    def cleanup(self) -> None:
        """Delete the folder (after `before_removal`); a second call does nothing."""
        self._finalizer()

    @property
    def cleaned_up(self) -> bool:
        return not self._finalizer.alive


class ScratchOwner:
    """The lifecycle of an object whose files live in a ScratchFolder kept as `self._scratch`.

    `_cleaned_up_message` is the sentence `_alive()` raises once the folder is gone: say how to
    make a new one.
    """

    _scratch: ScratchFolder
    _cleaned_up_message = "This was cleaned up: make a new one."

    def cleanup(self) -> None:
        """Delete the temporary folder and everything in it.

        Leaving a `with` block does the same, and so does Python when the object is no longer used
        or the kernel stops.
        """
        self._scratch.cleanup()

    @property
    def cleaned_up(self) -> bool:
        return self._scratch.cleaned_up

    def __enter__(self: _Owner) -> _Owner:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def _alive(self) -> None:
        if self.cleaned_up:
            raise KitError(self._cleaned_up_message)
