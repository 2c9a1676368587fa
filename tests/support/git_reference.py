"""The grading reader as it was before issue 13: it ran the real `git` binary (plumbing only, with an
isolated config) on the learner's repository. Kept here, for tests only, as the reference that the new
dulwich reader (tpmkit.git_reader.summary) must match on normal repositories, and as the "unwary
grader" that the attack tests show is fooled. Never call it on a repository you did not build."""

from __future__ import annotations

import os
import subprocess

from tpmkit.errors import KitError
from tpmkit.git_reader import _MAX_BYTES, _MAX_FILES, _normalise
from tpmkit.git_reader import CONFLICT_MARKER as _MARKER
from tpmkit.git_sandbox.sandbox import _flags, _git_binary, _inside, _isolated_env

_READER_CONFIG = {
    "core.hooksPath": os.devnull,
    "core.fsmonitor": "false",
    "core.attributesFile": os.devnull,
    "core.excludesFile": os.devnull,
    "core.pager": "cat",
}
_PLUMBING = ("rev-parse", "cat-file", "rev-list", "ls-files")


def _repo_root(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise KitError(f"path must be the repository's folder as text (repo.path), not a {type(path).__name__}.")
    root = os.path.realpath(os.fspath(path))
    if os.path.islink(os.path.join(root, ".git")) or not os.path.isdir(os.path.join(root, ".git")):
        raise KitError(f"{os.fspath(path)!r} is not a git repository folder: pass repo.path of a practice repository.")
    return root


def _plumb(root: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run one read-only plumbing command on the repository at `root`; bytes in, bytes out."""
    if args[0] not in _PLUMBING:
        raise ValueError(f"{args[0]} is not one of the read-only commands {_PLUMBING}")
    config = dict(_READER_CONFIG, **{"safe.directory": root})
    env = _isolated_env(os.devnull, GIT_OPTIONAL_LOCKS="0", GIT_CEILING_DIRECTORIES=os.path.dirname(root))
    command = [_git_binary(), "--no-pager", f"--git-dir={os.path.join(root, '.git')}", f"--work-tree={root}",
               *_flags(config), *args]
    try:
        return subprocess.run(command, cwd=root, env=env, input=stdin, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise KitError("Reading the repository took more than a minute: it is too large to summarise.") from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _read_objects(root: str, names: list[str]) -> list[tuple[str, bytes]]:
    """(type, content) of each object, read with `git cat-file`; blobs over 1 MB are not read, only sized."""
    if not names:
        return []
    checked = _plumb(root, "cat-file", "--batch-check", stdin="".join(f"{n}\n" for n in names).encode())
    kinds = [line.split() for line in checked.stdout.decode("ascii", errors="replace").splitlines()]
    wanted = [n for n, k in zip(names, kinds, strict=False) if len(k) == 3 and int(k[2]) <= _MAX_BYTES]
    contents: dict[str, bytes] = {}
    if wanted:
        data = _plumb(root, "cat-file", "--batch", stdin="".join(f"{n}\n" for n in wanted).encode()).stdout
        pos = 0
        for name in wanted:
            end = data.index(b"\n", pos)
            size = int(data[pos:end].split()[2])
            contents[name] = data[end + 1:end + 1 + size]
            pos = end + 1 + size + 1
    out = []
    for name, kind in zip(names, kinds, strict=False):
        if len(kind) != 3:
            out.append(("missing", b""))
        elif name in contents:
            out.append((kind[1], contents[name]))
        else:
            out.append((kind[1], f"<a file of {kind[2]} bytes, too large to show>".encode()))
    return out


def _tree_files(root: str, tree: str) -> dict[str, str]:
    """path -> text of every file in a tree (sub-folders included), read from the object store only."""
    found = _plumb(root, "rev-parse", "-q", "--verify", tree).stdout.strip().decode()
    if not found:
        return {}
    files: dict[str, str] = {}
    pending = [("", found)]
    while pending:
        level, pending = pending, []
        blobs = []
        for (prefix, _), (kind, data) in zip(level, _read_objects(root, [sha for _, sha in level]),
                                             strict=True):
            if kind != "tree":
                continue
            pos = 0
            while pos < len(data):
                space, nul = data.index(b" ", pos), data.index(b"\0", pos)
                mode, name, sha = data[pos:space], _text(data[space + 1:nul]), data[nul + 1:nul + 21].hex()
                pos = nul + 21
                if mode in (b"40000", b"040000"):
                    pending.append((f"{prefix}{name}/", sha))
                elif mode != b"160000":  # skip submodules
                    blobs.append((f"{prefix}{name}", sha))
        if len(files) + len(blobs) > _MAX_FILES:
            raise KitError(f"The repository holds more than {_MAX_FILES} files: too many to summarise.")
        for (path, _), (kind, data) in zip(blobs, _read_objects(root, [sha for _, sha in blobs]),
                                           strict=True):
            files[path] = _normalise(_text(data)) if kind == "blob" else ""
    return dict(sorted(files.items()))


def _worktree_has_markers(root: str) -> bool:
    """Do any tracked files in the working folder hold conflict markers? Read directly, never through git."""
    listed = _plumb(root, "ls-files", "-z").stdout
    for raw in listed.split(b"\0")[:_MAX_FILES]:
        if not raw:
            continue
        target = os.path.join(root, os.fsdecode(raw))
        if os.path.islink(target) or not os.path.isfile(target) or not _inside(os.path.realpath(target), root):
            continue
        with open(target, "rb") as handle:
            if _MARKER.search(_text(handle.read(_MAX_BYTES))):
                return True
    return False


def summary_with_git(path) -> dict:
    """The old `git_sandbox.summary`, verbatim apart from its name."""
    _git_binary()
    root = _repo_root(path)
    head = _plumb(root, "rev-parse", "--symbolic-full-name", "HEAD")
    if head.returncode == 0:
        ref = _text(head.stdout).strip()
    else:  # a branch with no commits yet: HEAD names it, read as plain text
        try:
            with open(os.path.join(root, ".git", "HEAD"), "rb") as handle:
                ref = _text(handle.read(200)).removeprefix("ref:").strip()
        except OSError:
            ref = ""
    unmerged = _plumb(root, "ls-files", "-u").stdout.strip()
    merging = _plumb(root, "rev-parse", "-q", "--verify", "MERGE_HEAD").returncode == 0 or bool(unmerged)
    parents = _text(_plumb(root, "rev-list", "--parents", "-n", "1", "HEAD").stdout).split()
    files = _tree_files(root, "refs/heads/main^{tree}")
    markers = any(_MARKER.search(text) for text in files.values()) or _worktree_has_markers(root)
    return {
        "branch": ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None,
        "merge_in_progress": merging,
        "conflict_markers": markers,
        "head_parents": max(len(parents) - 1, 0),
        "files_on_main": files,
    }
