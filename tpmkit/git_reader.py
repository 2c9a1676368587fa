"""Reading a learner's git repository for grading: nothing runs, no link is followed.

`summary(path)` reads a repository for grading, possibly in the grader's own process and as root,
so it runs nothing at all, not even git: a learner writes the repository's config, and git obeys
config that runs programs (hooks, fsmonitor, filters, a promisor remote's upload-pack...). Instead
it copies `.git` (a real folder; a `.git` file pointing elsewhere is refused) into a private
temporary folder with `tpmkit.safe_files`, which never follows a symlink; drops from the copy the
files that point at other folders (alternates, commondir, gitdir) and replaces its config; then
reads the copy with dulwich, a library that only parses. Object sizes are read from their headers
before anything is unpacked, and tracked files in the working folder are opened without following
symlinks. Copies, files and sizes are capped; anything over a cap or damaged is one KitError.

This module is the whole of that trust boundary (autograder/untrusted lists it): it imports
nothing from the learner's git sandbox (tpmkit.git_sandbox), which reads through it too
(`Sandbox.summary()`, `PullRequest.run_ci()` via `commit_files`). `check_finished(path)` is the
learner's visible self-check, built on `summary`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import stat
import tempfile
import zlib

from dulwich.index import Index
from dulwich.objects import Blob, Commit, Tag, Tree
from dulwich.repo import Repo

from tpmkit import safe_files
from tpmkit.errors import CheckFailed, KitError

__all__ = ["CONFLICT_MARKER", "check_finished", "commit_files", "summary"]

CONFLICT_MARKER = re.compile(r"^(<{7}|>{7})(\s|$)", re.MULTILINE)  # a line git writes around a conflict


# --- reading a repository safely (grading) -------------------------------------------------------
#
# The grader reads repositories that learners built, possibly as root, so nothing here runs a
# program or follows a path the repository names. Their .git folder is first copied with
# safe_files (no symlink is ever followed, even one swapped in during the copy), the files that
# point git elsewhere are dropped from the copy and its config is replaced, so nothing the learner
# wrote into it is read; then dulwich, a library that only parses, reads the copy.

_COPY_FILES = 20_000
_COPY_BYTES = 200_000_000
_MAX_FILES = 2000          # the most files a commit's tree may hold
_MAX_BYTES = 1_000_000     # the largest file read as text (a larger one shows only its size, or is skipped)
_MAX_OBJECT = 16_000_000   # the most any tree, commit or delta base may unpack to
_MAX_CHAIN = 250           # the longest chain of deltas followed (git's deepest is 4095, its default 50)
_POINTERS = ("commondir", "gitdir", "config.worktree", "worktrees", "objects/info/alternates",
             "objects/info/http-alternates",
             "objects/pack/multi-pack-index")  # not a pointer, but it could send dulwich to an entry unchecked
_PLAIN_CONFIG = b"[core]\n\trepositoryformatversion = 0\n\tbare = true\n"
_KINDS = {b"commit": 1, b"tree": 2, b"blob": 3, b"tag": 4}
_HEX = re.compile(rb"[0-9a-f]{40}")


def _repo_root(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise KitError(f"path must be the repository's folder as text (repo.path), not a {type(path).__name__}.")
    root = os.fspath(path)
    try:
        kind = stat.S_IFMT(os.lstat(os.path.join(root, ".git")).st_mode)
    except OSError:
        kind = None
    if kind == stat.S_IFREG:
        raise KitError(f"{root!r} has a .git file that points to a git folder elsewhere: only a repository with its "
                       "own .git folder can be read.")
    if kind != stat.S_IFDIR or os.path.islink(root):
        raise KitError(f"{root!r} is not a git repository folder: pass repo.path of a practice repository.")
    return root


@contextlib.contextmanager
def _private_copy(root: str):
    """The repository's .git folder, copied to a new private folder and opened with dulwich; deleted afterwards."""
    scratch = tempfile.mkdtemp(prefix="tpmkit-read-")
    try:
        git_dir = os.path.join(scratch, "git")
        safe_files.copy_tree(os.path.join(root, ".git"), git_dir, max_files=_COPY_FILES, max_bytes=_COPY_BYTES)
        for name in _POINTERS:
            target = os.path.join(git_dir, name)
            if os.path.isdir(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.remove(target)
        os.makedirs(os.path.join(git_dir, "objects"), exist_ok=True)
        with open(os.path.join(git_dir, "config"), "wb") as handle:  # no includes, extensions or worktree
            handle.write(_PLAIN_CONFIG)
        repo = Repo(git_dir, bare=True)
        repo.object_store.loose_object_size_limit = _MAX_OBJECT  # a loose object whose header lies stops here
        try:
            yield repo
        finally:
            repo.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """A delta header's size: 7 bits a byte, lowest first. Returns (value, position after it)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


class _Objects:
    """The objects of a private copy, each unpacked only once its headers say that is small enough.

    dulwich unpacks a whole object, and every delta base under it, to read it. A file of zeros
    compresses a thousand to one, so sizes are read from headers first: (kind, size, heaviest),
    where `heaviest` is the most that reading the object unpacks at once. Answers are remembered,
    so objects stored many times or sharing delta bases are read once.
    """

    def __init__(self, store):
        self.store = store
        self._headers: dict[object, tuple[int, int, int] | None] = {}

    def header(self, sha: str, depth: int = 0) -> tuple[int, int, int] | None:
        """(kind, size, heaviest) of object `sha`, or None if it is missing; every stored copy is checked."""
        if sha not in self._headers:
            found = []
            for pack in self.store.packs:
                try:
                    offset = pack.index.object_offset(bytes.fromhex(sha))
                except KeyError:
                    continue
                found.append(self._packed(pack.data.path, offset, depth))
            loose = os.path.join(self.store.path, sha[:2], sha[2:])
            if os.path.isfile(loose):
                with open(loose, "rb") as handle:
                    head = zlib.decompressobj().decompress(handle.read(512), 64)
                kind, _, size = head.split(b"\0", 1)[0].partition(b" ")
                found.append((_KINDS[kind], int(size), int(size)))
            # Whichever copy dulwich reads, none unpacks more than the heaviest.
            self._headers[sha] = (found[0][0], found[0][1], max(h[2] for h in found)) if found else None
        return self._headers[sha]

    def _packed(self, path: str, offset: int, depth: int) -> tuple[int, int, int]:
        """(kind, size, heaviest) of the pack entry at `offset`, following its chain of delta bases."""
        if depth >= _MAX_CHAIN:
            raise KitError(f"The repository holds a chain of more than {_MAX_CHAIN} deltas: too deep to read.")
        if (path, offset) in self._headers:
            return self._headers[path, offset]
        with open(path, "rb") as handle:
            handle.seek(offset)
            head = handle.read(512)
        byte, pos = head[0], 1
        kind, length, shift = (byte >> 4) & 7, byte & 0x0F, 4
        while byte & 0x80:
            byte, pos = head[pos], pos + 1
            length |= (byte & 0x7F) << shift
            shift += 7
        if kind in (1, 2, 3, 4):
            found = (kind, length, length)
        elif kind in (6, 7):
            if kind == 6:  # OFS_DELTA: the base is an earlier entry of the same pack
                byte, pos = head[pos], pos + 1
                back = byte & 0x7F
                while byte & 0x80:
                    byte, pos = head[pos], pos + 1
                    back = ((back + 1) << 7) | (byte & 0x7F)
                if not 0 < back <= offset:
                    raise ValueError("a delta's base is not before it")
                base = self._packed(path, offset - back, depth + 1)
            else:  # REF_DELTA: the base is named by its hash
                base, pos = self.header(head[pos:pos + 20].hex(), depth + 1), pos + 20
                if base is None:
                    raise ValueError("a delta's base is missing")
            delta = zlib.decompressobj().decompress(head[pos:], 32)
            source, at = _varint(delta, 0)
            target, _ = _varint(delta, at)
            found = (base[0], target, max(length, source, target, base[2]))
        else:
            raise ValueError(f"pack entry of unknown type {kind}")
        self._headers[path, offset] = found
        return found

    def load(self, sha: str | None, kind: int | None = None):
        """The object `sha`, or None if it is missing or not of `kind`; KitError if reading it would unpack too
        much."""
        found = self.header(sha) if sha and _HEX.fullmatch(sha.encode()) else None
        if found is None or (kind is not None and found[0] != kind):
            return None
        return self._unpack(sha, found)

    def _unpack(self, sha: str, found: tuple[int, int, int]):
        if found[2] > _MAX_OBJECT:
            raise KitError(f"The repository holds an object of more than {_MAX_OBJECT} bytes: too large to read.")
        return self.store[sha.encode()]

    def peel(self, sha: str | None):
        """The object `sha` names, with tags followed to what they tag (as git's ^{} does)."""
        obj = self.load(sha)
        for _ in range(10):
            if not isinstance(obj, Tag):
                return obj
            obj = self.load(obj.object[1].decode())
        return None

    def text(self, sha: str) -> str:
        """A file's normalised text; "" if it is missing or not a file; only its size if over 1 MB."""
        found = self.header(sha)
        if found is None or found[0] != Blob.type_num:
            return ""
        if found[1] > _MAX_BYTES:
            return _normalise(f"<a file of {found[1]} bytes, too large to show>")
        return _normalise(_text(self._unpack(sha, found).as_raw_string()))

    def files(self, commit: str | None) -> dict[str, str]:
        """path -> text of every file in a commit's tree (sub-folders included; submodules skipped)."""
        top = self.peel(commit)
        tree = top.tree.decode() if isinstance(top, Commit) else commit if isinstance(top, Tree) else None
        files: dict[str, str] = {}
        pending = [("", tree)] if tree else []
        while pending:
            level, pending = pending, []
            blobs = []
            for prefix, sha in level:
                folder = self.load(sha, Tree.type_num)
                for entry in folder.iteritems() if folder is not None else ():
                    name = f"{prefix}{_text(entry.path)}"
                    if entry.mode == 0o040000:
                        pending.append((name + "/", entry.sha.decode()))
                    elif entry.mode != 0o160000:
                        blobs.append((name, entry.sha.decode()))
            if len(files) + len(blobs) > _MAX_FILES:
                raise KitError(f"The repository holds more than {_MAX_FILES} files: too many to summarise.")
            for path, sha in blobs:
                files[path] = self.text(sha)
        return dict(sorted(files.items()))


def _ref(repo: Repo, name: bytes) -> tuple[str, str | None]:
    """(the ref that `name` ends at after symbolic refs, its commit hash or None)."""
    names, sha = repo.refs.follow(name)
    sha = sha.decode() if sha and _HEX.fullmatch(sha) else None
    return _text(names[-1] if names else b""), sha


def _merge_head(repo: Repo) -> bool:
    """Is a merge under way? MERGE_HEAD (which dulwich's refs do not read) names a commit, as git checks it."""
    try:
        with open(os.path.join(repo.controldir(), "MERGE_HEAD"), "rb") as handle:  # the private copy's
            line = handle.read(200).split(b"\n", 1)[0]
    except OSError:
        return False
    return bool(_HEX.fullmatch(line[:40])) and (len(line) == 40 or line[40:41].isspace())


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _normalise(text: str) -> str:
    """Line endings as \\n, no trailing spaces, no blank lines at the start or end."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _worktree_has_markers(root: str, index: Index) -> bool:
    """Do any tracked files in the working folder hold conflict markers? Read with safe_files, never through git."""
    for raw in itertools.islice(index.paths(), _MAX_FILES):
        try:
            data = safe_files.read_file(root, os.fsdecode(raw), max_bytes=_MAX_BYTES)
        except KitError:  # a symlink, a folder, a file gone or too large: not a text file to check
            continue
        if CONFLICT_MARKER.search(_text(data)):
            return True
    return False


def summary(path) -> dict:
    """The state of the repository at `path` as plain data, for self-checks and grading.

    - `branch`: the branch checked out, or None when HEAD is detached;
    - `merge_in_progress`: a merge was started and not yet committed (or files are still unmerged);
    - `conflict_markers`: a tracked file (in the working folder or on main) still holds a
      `<<<<<<<` or `>>>>>>>` line;
    - `head_parents`: how many parents the current commit has (2 for a merge commit, 0 if none);
    - `files_on_main`: path -> text of every file in main's latest commit, with line endings as
      \\n and trailing spaces and blank lines at either end trimmed.

    Nothing is run, not even git: a private copy of `.git` is read with dulwich, and the working
    folder's tracked files are opened without following symlinks. See "reading a repository safely".
    """
    root = _repo_root(path)
    try:
        with _private_copy(root) as repo:
            objects = _Objects(repo.object_store)
            ref, head = _ref(repo, b"HEAD")
            index_file = os.path.join(repo.controldir(), "index")
            index = Index(index_file) if os.path.isfile(index_file) else None
            merging = _merge_head(repo) or bool(index and index.has_conflicts())
            commit = objects.peel(head)
            files = objects.files(_ref(repo, b"refs/heads/main")[1])
            markers = any(CONFLICT_MARKER.search(text) for text in files.values()) or bool(
                index and _worktree_has_markers(root, index))
    except KitError:
        raise
    except Exception as error:  # noqa: BLE001 - hostile input: one line, and nothing read from the repository in it
        raise KitError(f"{root!r} could not be read as a git repository ({type(error).__name__}): it looks "
                       "damaged, so make the practice repository again.") from None
    return {
        "branch": ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None,
        "merge_in_progress": merging,
        "conflict_markers": markers,
        "head_parents": len(commit.parents) if isinstance(commit, Commit) else 0,
        "files_on_main": files,
    }


def commit_files(root: str, commit: str) -> dict[str, str]:
    """path -> text of every file in `commit` of the repository folder `root`, read from a private copy of
    its .git as `summary` reads it (for the sandbox's CI checks on the kit's own practice repository)."""
    with _private_copy(root) as repo:
        return _Objects(repo.object_store).files(commit)


def check_finished(path) -> None:
    """Visible self-check: the repository has no merge in progress, no conflict markers and a branch checked out.

    It checks that the work looks finished, not that it is right: hidden tests compare the files
    and the history with what the question states.
    """
    state = summary(path)
    if state["merge_in_progress"]:
        raise CheckFailed("A merge is still in progress: fix the conflicted files, git add them, then git commit.")
    if state["conflict_markers"]:
        raise CheckFailed("A file still holds conflict markers (lines starting <<<<<<< or >>>>>>>): "
                          "remove them and commit again.")
    if state["branch"] is None:
        raise CheckFailed("No branch is checked out (HEAD is detached): git switch to the branch the question names.")
    print("✓ No merge in progress and no conflict markers. Hidden tests check the files and the history when graded.")

