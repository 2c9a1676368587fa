"""Copy and read folders that someone else controls, without ever following a symlink.

Grader-side code uses this to look at what a learner left behind (a repository, a scratch
folder). The learner may still have a process running, so a folder can be swapped for a symlink
between the moment we look at it and the moment we open it. Every folder and file is therefore
opened one name at a time, relative to the folder already opened (`dir_fd`), with `O_NOFOLLOW`:
a symlink anywhere, even one swapped in mid-copy, makes the open fail instead of leading
elsewhere, and `fstat` on the opened file decides what it is. Sizes and counts are capped, and
`copy_tree` counts first, copying nothing, so a tree over a cap fails fast.

    skipped = copy_tree(learner_repo / ".git", private / "git", max_files=20_000, max_bytes=200_000_000)
    data = read_file(learner_repo, "settings.toml", max_bytes=1_000_000)

Both refuse a root that is itself a symlink. Only the last part of the root's own path is checked:
the caller chooses that path, so its parent folders are trusted.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tpmkit.errors import KitError

__all__ = ["copy_tree", "read_file"]

_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
# O_NONBLOCK: a fifo swapped in for a file must not block the open; O_NOCTTY: a terminal is never adopted.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_MAX_DEPTH = 64
_CHUNK = 1 << 20


def _open_root(root, what: str) -> int:
    if not isinstance(root, (str, os.PathLike)):
        raise KitError(f"{what} must be a folder path as text, not a {type(root).__name__}.")
    try:
        return os.open(root, _DIR)
    except OSError:
        reason = "a symlink, which is never followed" if os.path.islink(root) else "not a folder that exists"
        raise KitError(f"{os.fspath(root)!r} is {reason}: give the real folder.") from None


def copy_tree(src: str | Path, dst: str | Path, *, max_files: int, max_bytes: int) -> list[str]:
    """Copy the folder `src` to `dst` (which must not exist yet) and return the entries it skipped.

    Only plain folders and plain files are copied; symlinks, sockets, devices and fifos (and any
    entry that stops being a plain file or folder while we open it) are skipped, and their paths,
    relative to `src` with "/" between parts, are returned, sorted. Copies get private permissions
    (folders 0700, files 0600): modes, owners and times are not kept. `max_files` caps the entries
    met (files, folders and skipped entries together) and `max_bytes` the bytes copied; going over
    either, or nesting folders more than 64 deep, raises KitError. Both are checked in a first pass
    that copies nothing, so an oversized tree fails fast; a tree that grows during the copy is
    still stopped at the caps, and leaves a partial copy for the caller to delete.
    """
    src_fd = _open_root(src, "src")
    try:
        _walk(src_fd, None, "", os.fspath(src), {"files": max_files, "bytes": max_bytes}, [], depth=0)
        try:
            os.mkdir(dst, 0o700)
            dst_fd = os.open(dst, _DIR)
        except OSError:
            raise KitError(f"Cannot copy into {os.fspath(dst)!r}: it must be a new folder in a folder that "
                           "exists.") from None
        skipped: list[str] = []
        try:
            _walk(src_fd, dst_fd, "", os.fspath(src), {"files": max_files, "bytes": max_bytes}, skipped, depth=0)
        finally:
            os.close(dst_fd)
    finally:
        os.close(src_fd)
    return sorted(skipped)


def _spend(budget: dict, key: str, amount: int, src: str) -> None:
    budget[key] -= amount
    if budget[key] < 0:
        too = "many files and folders than the limit: too many" if key == "files" else "bytes than the limit: too large"
        raise KitError(f"{src!r} holds more {too} to copy.")


def _walk(src_fd: int, dst_fd: int | None, prefix: str, src: str, budget: dict, skipped: list[str], *,
          depth: int) -> None:
    """Copy the folder open as `src_fd` into `dst_fd`; with `dst_fd` None, only count what a copy would take."""
    if depth > _MAX_DEPTH:
        raise KitError(f"{src!r} nests folders more than {_MAX_DEPTH} deep: too deep to copy.")
    names = []
    with os.scandir(src_fd) as entries:  # one name at a time: a huge folder fails at the cap, not after listing
        for entry in entries:
            _spend(budget, "files", 1, src)
            names.append(entry.name)
    for name in names:
        relative = prefix + name
        try:
            # A first look, without following; the opens below re-check, in case it changes meanwhile.
            info = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        except OSError:
            skipped.append(relative)
            continue
        if stat.S_ISDIR(info.st_mode):
            try:
                child = os.open(name, _DIR, dir_fd=src_fd)
            except OSError:
                skipped.append(relative)
                continue
            try:
                if dst_fd is None:
                    _walk(child, None, relative + "/", src, budget, skipped, depth=depth + 1)
                    continue
                os.mkdir(name, 0o700, dir_fd=dst_fd)
                child_dst = os.open(name, _DIR, dir_fd=dst_fd)
                try:
                    _walk(child, child_dst, relative + "/", src, budget, skipped, depth=depth + 1)
                finally:
                    os.close(child_dst)
            finally:
                os.close(child)
        elif stat.S_ISREG(info.st_mode) and dst_fd is None:
            _spend(budget, "bytes", info.st_size, src)
        elif not stat.S_ISREG(info.st_mode) or not _copy_file(src_fd, dst_fd, name, src, budget):
            skipped.append(relative)


def _copy_file(src_fd: int, dst_fd: int, name: str, src: str, budget: dict) -> bool:
    try:
        fd = os.open(name, _FILE, dir_fd=src_fd)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a fifo, a device or a folder since we looked
            return False
        with open(os.open(name, _NEW_FILE, 0o600, dir_fd=dst_fd), "wb") as out:
            while chunk := os.read(fd, _CHUNK):
                _spend(budget, "bytes", len(chunk), src)  # counted as read: the file may have grown
                out.write(chunk)
        return True
    finally:
        os.close(fd)


def read_file(root: str | Path, relative: str | Path, *, max_bytes: int) -> bytes:
    """The bytes of the plain file `root/relative`, opened one folder at a time without following symlinks.

    `relative` uses "/" between parts and may not be absolute or hold "", "." or ".." parts. Anything
    else than a plain file reached through plain folders (a symlink at any level, a fifo, a missing
    file) raises KitError, and so does a file larger than `max_bytes`: the answer is never cut short.
    """
    text = os.fspath(relative) if isinstance(relative, (str, os.PathLike)) else None
    parts = text.split("/") if isinstance(text, str) else []
    if not parts or text.startswith("/") or any(p in ("", ".", "..") or "\0" in p for p in parts):
        raise KitError(f"{relative!r} is not a path inside the folder: give a relative path such as 'docs/a.txt'.")
    fd = _open_root(root, "root")
    try:
        for part in parts[:-1]:
            next_fd = os.open(part, _DIR, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        file_fd = os.open(parts[-1], _FILE, dir_fd=fd)
    except OSError:
        raise KitError(f"{text!r} is not a plain file inside {os.fspath(root)!r} (symlinks are never followed).") \
            from None
    finally:
        os.close(fd)
    try:
        info = os.fstat(file_fd)
        if not stat.S_ISREG(info.st_mode):
            raise KitError(f"{text!r} is not a plain file inside {os.fspath(root)!r} (symlinks are never followed).")
        data = b""
        if info.st_size <= max_bytes:
            chunks, size = [], 0
            while size <= max_bytes and (chunk := os.read(file_fd, min(_CHUNK, max_bytes + 1 - size))):
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
        if info.st_size > max_bytes or len(data) > max_bytes:
            raise KitError(f"{text!r} is larger than {max_bytes} bytes: too large to read.")
        return data
    finally:
        os.close(file_fd)
