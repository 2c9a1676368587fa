"""Issue 13: grading a learner's git repository must never run anything nor read outside it.

Each test builds a hostile repository by hand. `summary()` must leave no marker file (nothing ran)
and show nothing of a secret kept outside the repository, in its answer or in an error. For the
attacks that run a command, the test first shows the attack is real: the old git-binary reader
(tests/support/git_reference.py), or plain git used the way an unwary grader would, does run it.
Every git here runs with HOME in the test's own folder and no system config.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tracemalloc
import zlib
from pathlib import Path

import pytest

from tests.support.git_reference import summary_with_git
from tpmkit import git_reader
from tpmkit.errors import KitError
from tpmkit.git_reader import summary

SECRET = "TOP-SECRET-9d2f the hidden test's answer"


class Lab:
    """One attack's folder: an isolated git, a marker an attack command would create, a secret outside the repo."""

    def __init__(self, root: Path):
        self.root = root
        self.marker = root / "PWNED"
        self.command = f"touch {self.marker}; false"
        home = root / "home"
        home.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        self.env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
                        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_TERMINAL_PROMPT="0", LC_ALL="C",
                        GIT_AUTHOR_NAME="Mallory", GIT_AUTHOR_EMAIL="m@example.com",
                        GIT_COMMITTER_NAME="Mallory", GIT_COMMITTER_EMAIL="m@example.com")
        self.secret = root / "secret"
        self.secret.mkdir()
        (self.secret / "answer.txt").write_text(f"{SECRET}\n<<<<<<< a marker line, so reading it would show\n")

    def git(self, repo: Path, *args: str, check: bool = True, **kwargs) -> str:
        if "input" not in kwargs:
            kwargs["stdin"] = subprocess.DEVNULL
        done = subprocess.run(["git", *args], cwd=repo, env=self.env, capture_output="stdout" not in kwargs,
                              text=True, check=check, **kwargs)
        return (done.stdout or "").strip()

    def repo(self, name: str = "till-app", files: dict[str, str] | None = None) -> Path:
        """A repository with two commits on main (settings.toml changes in the second)."""
        repo = self.root / name
        repo.mkdir()
        self.git(repo, "init", "--quiet", "--initial-branch=main")
        for text in ("card_timeout_seconds = 30\n", "card_timeout_seconds = 45\n"):
            for path, content in {"settings.toml": text, **(files or {})}.items():
                Path(repo, path).parent.mkdir(parents=True, exist_ok=True)
                Path(repo, path).write_text(content)
            self.git(repo, "add", "--all")
            self.git(repo, "commit", "--quiet", "-m", "change")
        return repo

    def configure(self, repo: Path, **settings: str) -> None:
        for key, value in settings.items():
            self.git(repo, "config", key.replace("__", "."), value)

    def read_safely(self, repo: Path):
        """summary(repo), checked: nothing ran, nothing of the secret shows. Returns the answer or the KitError."""
        try:
            result = summary(str(repo))
            shown = repr(result)
        except KitError as error:
            result, shown = error, str(error)
            assert "\n" not in shown
        assert not self.marker.exists(), "summary ran the repository's command"
        assert SECRET not in shown and "TOP-SECRET" not in shown
        return result


@pytest.fixture
def lab(tmp_path) -> Lab:
    return Lab(tmp_path)


# --- commands a repository's config asks git to run ----------------------------------------------------

def test_promisor_remote_upload_pack(lab):
    """The issue-13 attack: a 'partial clone' missing an object makes git fetch it, running uploadpack."""
    repo = lab.repo()
    blob = lab.git(repo, "rev-parse", "HEAD:settings.toml")
    os.remove(repo / ".git" / "objects" / blob[:2] / blob[2:])
    lab.configure(repo, core__repositoryformatversion="1", extensions__partialclone="origin",
                  remote__origin__url=str(lab.root / "nowhere"), remote__origin__promisor="true",
                  remote__origin__uploadpack=lab.command)
    state = lab.read_safely(repo)
    assert state["files_on_main"] == {"settings.toml": ""}, "a missing object reads as empty, as before"
    summary_with_git(str(repo))
    assert lab.marker.exists(), "the old git reader should have run the attack"


def test_fsmonitor_command(lab):
    repo = lab.repo()
    lab.configure(repo, core__fsmonitor=lab.command)
    assert lab.read_safely(repo)["branch"] == "main"
    lab.git(repo, "status", check=False)
    assert lab.marker.exists()


def test_hooks_path_and_hooks(lab):
    repo = lab.repo()
    hooks = repo / ".git" / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "post-index-change", "reference-transaction", "pre-auto-gc"):
        for folder in (hooks, repo / ".git" / "hooks"):
            folder.mkdir(exist_ok=True)
            (folder / hook).write_text(f"#!/bin/sh\n{lab.command}\n")
            (folder / hook).chmod(0o755)
    lab.configure(repo, core__hooksPath=str(hooks))
    lab.read_safely(repo)
    lab.git(repo, "checkout", "--quiet", "main", check=False)
    assert lab.marker.exists()


def test_clean_and_smudge_filters(lab):
    repo = lab.repo(files={".gitattributes": "* filter=x\n"})
    lab.configure(repo, filter__x__clean=lab.command, filter__x__smudge=lab.command, filter__x__process=lab.command)
    (repo / "settings.toml").write_text("card_timeout_seconds = 8\n")  # left changed in the working folder
    lab.read_safely(repo)
    lab.git(repo, "diff", check=False)
    assert lab.marker.exists()


def test_diff_textconv(lab):
    repo = lab.repo(files={".gitattributes": "*.toml diff=x\n"})
    lab.configure(repo, diff__x__textconv=lab.command, diff__external=lab.command)
    lab.read_safely(repo)
    lab.git(repo, "show", "HEAD", check=False)
    assert lab.marker.exists()


def test_ssh_command(lab):
    repo = lab.repo()
    lab.configure(repo, remote__origin__url="ssh://example.invalid/till-app.git", core__sshCommand=lab.command)
    lab.read_safely(repo)
    lab.git(repo, "fetch", "origin", check=False)
    assert lab.marker.exists()


def test_pager_and_alias(lab):
    repo = lab.repo()
    lab.configure(repo, core__pager=lab.command, pager__log=lab.command, alias__summary=f"!{lab.command}")
    lab.read_safely(repo)
    leader, follower = os.openpty()  # git pages only on a terminal, as when an instructor runs it by hand
    try:
        lab.git(repo, "log", check=False, stdout=follower, stderr=follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert lab.marker.exists()


# --- paths that lead out of the repository -------------------------------------------------------------

def other_repo(lab: Lab) -> tuple[Path, str]:
    """Another repository (the instructor's, say) whose main holds the secret; returns it and main's commit."""
    other = lab.repo("instructor", files={"answer.txt": SECRET + "\n"})
    return other, lab.git(other, "rev-parse", "main")


def test_git_file_pointing_to_another_repository(lab):
    other, _ = other_repo(lab)
    repo = lab.root / "learner"
    repo.mkdir()
    (repo / ".git").write_text(f"gitdir: {other / '.git'}\n")
    error = lab.read_safely(repo)
    assert isinstance(error, KitError) and "a .git file that points to a git folder elsewhere" in str(error)
    assert SECRET in lab.git(repo, "show", "main:answer.txt"), "git itself follows the .git file"


@pytest.mark.parametrize("pointer", ["objects/info/alternates", "commondir"])
def test_pointers_to_another_object_store(lab, pointer):
    other, commit = other_repo(lab)
    repo = lab.root / "learner"
    repo.mkdir()
    lab.git(repo, "init", "--quiet", "--initial-branch=main")
    target = other / ".git" / ("objects" if pointer.endswith("alternates") else "")
    (repo / ".git" / pointer).write_text(f"{target}\n")
    (repo / ".git" / "objects" / "info" / "http-alternates").write_text(f"{target}\n")
    if pointer.endswith("alternates"):
        lab.git(repo, "update-ref", "refs/heads/main", commit)
    assert SECRET in summary_with_git(str(repo))["files_on_main"]["answer.txt"], "git follows the pointer"
    state = lab.read_safely(repo)
    assert state["files_on_main"] == {} and state["head_parents"] == 0


def test_a_ref_that_is_a_symlink_to_a_secret(lab):
    repo = lab.repo()
    main = repo / ".git" / "refs" / "heads" / "main"
    main.unlink()
    main.symlink_to(lab.secret / "answer.txt")
    state = lab.read_safely(repo)
    assert state["files_on_main"] == {}


def test_head_naming_a_path_out_of_the_repository(lab):
    repo = lab.repo()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/" + "../" * 30 + str(lab.secret / "answer.txt") + "\n")
    lab.read_safely(repo)


def test_objects_folder_that_is_a_symlink(lab):
    other, commit = other_repo(lab)
    repo = lab.repo()
    objects = repo / ".git" / "objects"
    subprocess.run(["rm", "-rf", str(objects)], check=True)
    objects.symlink_to(other / ".git" / "objects")
    (repo / ".git" / "refs" / "heads" / "main").write_text(commit + "\n")
    assert SECRET in summary_with_git(str(repo))["files_on_main"]["answer.txt"], "git follows the symlink"
    state = lab.read_safely(repo)
    assert state["files_on_main"] == {}


def test_tracked_files_that_became_symlinks_to_a_secret(lab):
    repo = lab.repo(files={"notes.md": "plain\n", "docs/notes.md": "plain\n"})
    os.symlink(lab.secret / "answer.txt", repo / "leak.txt")  # committed as a symlink: git stores its target only
    lab.git(repo, "add", "leak.txt")
    lab.git(repo, "commit", "--quiet", "-m", "a link")
    (repo / "notes.md").unlink()
    (repo / "notes.md").symlink_to(lab.secret / "answer.txt")
    subprocess.run(["rm", "-rf", str(repo / "docs")], check=True)
    (repo / "docs").symlink_to(lab.secret)
    (lab.secret / "notes.md").write_text((lab.secret / "answer.txt").read_text())
    assert SECRET in (repo / "docs" / "notes.md").read_text(), "a reader that follows links would see it"
    state = lab.read_safely(repo)
    assert state["conflict_markers"] is False
    assert state["files_on_main"]["leak.txt"] == str(lab.secret / "answer.txt")


def test_core_worktree_pointing_elsewhere(lab):
    repo = lab.repo()
    elsewhere = lab.root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "settings.toml").write_text((lab.secret / "answer.txt").read_text())
    lab.configure(repo, core__worktree=str(elsewhere))
    assert SECRET in lab.git(repo, "diff", check=False), "git reads the other folder"
    state = lab.read_safely(repo)
    assert state["conflict_markers"] is False


# --- sizes -------------------------------------------------------------------------------------------

def peak_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_file_is_sized_from_its_header_not_unpacked(lab):
    repo = lab.repo()
    with open(repo / "huge.bin", "wb") as handle:  # 64 MB of zeros: about 64 KB once compressed
        handle.write(bytes(64 * 2**20))
    lab.git(repo, "add", "huge.bin")
    lab.git(repo, "commit", "--quiet", "-m", "huge")
    placeholder = f"<a file of {64 * 2**20} bytes, too large to show>"
    for packed in (False, True):
        if packed:
            lab.git(repo, "gc", "--quiet")
            assert not (repo / ".git" / "objects" / lab.git(repo, "rev-parse", "HEAD:huge.bin")[:2]).exists()
        assert peak_bytes(lambda: lab.read_safely(repo)) < 8 * 2**20
        assert summary(str(repo))["files_on_main"]["huge.bin"] == placeholder
        assert summary_with_git(str(repo))["files_on_main"]["huge.bin"] == placeholder


def test_a_loose_object_whose_header_lies_is_not_unpacked(lab):
    repo = lab.repo()
    blob = lab.git(repo, "rev-parse", "HEAD:settings.toml")
    path = repo / ".git" / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(zlib.compress(b"blob 5\0" + bytes(200 * 2**20), 9))  # says 5 bytes, holds 200 MB
    peak = peak_bytes(lambda: pytest.raises(KitError, summary, str(repo)))
    assert peak < 40 * 2**20
    assert "looks damaged" in str(lab.read_safely(repo))


def test_a_git_folder_over_the_size_cap_is_refused_before_reading(lab):
    repo = lab.repo()
    with open(repo / ".git" / "objects" / "junk", "wb") as handle:
        handle.truncate(300 * 10**6)  # sparse: 300 MB on paper
    error = lab.read_safely(repo)
    assert isinstance(error, KitError) and "too large to copy" in str(error)


def test_thirty_thousand_files_fail_with_one_line(lab):
    repo = lab.root / "many"
    repo.mkdir()
    lab.git(repo, "init", "--quiet", "--initial-branch=main")
    files = "".join(f"M 100644 :1 f{n}.txt\n" for n in range(30_000))
    stream = ("blob\nmark :1\ndata 2\nx\ncommit refs/heads/main\ncommitter M <m@example.com> 0 +0000\n"
              f"data 4\nmany\n{files}\n")
    lab.git(repo, "fast-import", "--quiet", input=stream)  # 30,000 tracked files, in one pack
    error = lab.read_safely(repo)
    assert isinstance(error, KitError) and "more than 2000 files" in str(error)
    junk = repo / ".git" / "objects" / "junk"  # and 30,000 entries in .git itself (hard links: quick to make)
    junk.mkdir()
    (junk / "0").write_text("x")
    for n in range(1, 30_000):
        os.link(junk / "0", junk / str(n))
    error = lab.read_safely(repo)
    assert isinstance(error, KitError) and "too many to copy" in str(error)


def test_the_private_copy_keeps_no_pointer_and_no_config_of_the_learner(lab):
    other, _ = other_repo(lab)
    repo = lab.repo()
    git = repo / ".git"
    (git / "objects" / "info" / "alternates").write_text(f"{other / '.git' / 'objects'}\n")
    (git / "objects" / "info" / "http-alternates").write_text("https://example.invalid/objects\n")
    (git / "commondir").write_text(f"{other / '.git'}\n")
    (git / "gitdir").write_text(f"{other / '.git'}\n")
    (git / "worktrees" / "w").mkdir(parents=True)
    with open(git / "config", "a") as config:
        config.write(f"[include]\n\tpath = {lab.secret / 'answer.txt'}\n[core]\n\tworktree = {lab.secret}\n")
    with git_reader._private_copy(str(repo)) as copy:
        control = Path(copy.controldir())
        scratch = control.parent
        assert stat.S_IMODE(scratch.stat().st_mode) == 0o700
        for name in ("objects/info/alternates", "objects/info/http-alternates", "commondir", "gitdir", "worktrees"):
            assert not (control / name).exists(), name
        assert (control / "config").read_bytes() == git_reader._PLAIN_CONFIG
        assert copy.object_store.alternates == [] and copy.bare
    assert not scratch.exists(), "the copy is deleted afterwards"


def _pack_entry(kind: int, size: int, data: bytes) -> bytes:
    head = [(kind << 4) | (size & 0x0F)]
    size >>= 4
    while size:
        head[-1] |= 0x80
        head.append(size & 0x7F)
        size >>= 7
    return bytes(head) + data


def _varint(n: int) -> bytes:
    out = []
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def test_a_small_file_stored_as_a_delta_of_a_huge_base_is_not_unpacked(lab):
    """A pack written by hand: 'hello' stored as a delta of 100 MB of zeros. Reading it would unpack the zeros."""
    repo = lab.root / "bomb"
    repo.mkdir()
    lab.git(repo, "init", "--quiet", "--initial-branch=main")
    huge = 100 * 2**20
    base = _pack_entry(3, huge, zlib.compress(bytes(huge), 9))
    back = len(base)  # the delta's offset minus the base's (the base is the first entry)
    offset = [back & 0x7F]
    back >>= 7
    while back:
        back -= 1
        offset.insert(0, 0x80 | (back & 0x7F))
        back >>= 7
    delta = _varint(huge) + _varint(6) + bytes([6]) + b"hello\n"
    body = b"PACK" + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + base + _pack_entry(6, len(delta), bytes(
        offset) + zlib.compress(delta))
    pack = repo / ".git" / "objects" / "pack" / "pack-bomb.pack"
    pack.parent.mkdir(exist_ok=True)
    pack.write_bytes(body + hashlib.sha1(body).digest())
    lab.git(repo, "index-pack", str(pack))
    blob = lab.git(repo, "hash-object", "--stdin", input="hello\n")
    tree = lab.git(repo, "mktree", input=f"100644 blob {blob}\tsettings.toml\n")
    lab.git(repo, "update-ref", "refs/heads/main", lab.git(repo, "commit-tree", tree, "-m", "bomb"))
    assert summary_with_git(str(repo))["files_on_main"] == {"settings.toml": "hello"}, "git reads it fine"
    peak = peak_bytes(lambda: pytest.raises(KitError, summary, str(repo)))
    assert peak < 8 * 2**20
    error = lab.read_safely(repo)
    assert isinstance(error, KitError) and "too large to read" in str(error)
