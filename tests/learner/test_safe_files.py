"""tpmkit.safe_files: copying and reading folders someone else controls, never following a symlink."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from tpmkit import safe_files
from tpmkit.errors import KitError
from tpmkit.safe_files import copy_tree, read_file

SECRET = "TOP-SECRET-e41b"


@pytest.fixture
def tree(tmp_path):
    """src/ with plain files and folders, and a secret folder beside it that links point into."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "answer.txt").write_text(SECRET)
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / "top.txt").write_text("top\n")
    (src / "a" / "b" / "deep.txt").write_bytes(b"\x00deep\xff")
    (src / "empty").mkdir()
    return src, secret


def one_line(info) -> str:
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    return message


def test_copy_tree_copies_plain_files_and_folders_privately(tree, tmp_path):
    src, _ = tree
    os.chmod(src / "top.txt", 0o4755)  # no mode survives the copy, setuid least of all
    assert copy_tree(src, tmp_path / "dst", max_files=100, max_bytes=1000) == []
    dst = tmp_path / "dst"
    assert (dst / "top.txt").read_text() == "top\n"
    assert (dst / "a" / "b" / "deep.txt").read_bytes() == b"\x00deep\xff"
    assert (dst / "empty").is_dir()
    assert stat.S_IMODE((dst / "top.txt").stat().st_mode) == 0o600
    assert stat.S_IMODE((dst / "a").stat().st_mode) == 0o700


def test_copy_tree_skips_links_fifos_and_sockets_and_says_which(tree, tmp_path):
    src, secret = tree
    (src / "link.txt").symlink_to(secret / "answer.txt")
    (src / "a" / "linked-folder").symlink_to(secret)
    (src / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(src / "fifo")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(src / "a" / "sock"))
    try:
        skipped = copy_tree(src, tmp_path / "dst", max_files=100, max_bytes=1000)
    finally:
        server.close()
    assert skipped == ["a/linked-folder", "a/sock", "dangling", "fifo", "link.txt"]
    copied = [p for p in (tmp_path / "dst").rglob("*")]
    assert not any(p.is_symlink() for p in copied)
    assert all(SECRET.encode() not in p.read_bytes() for p in copied if p.is_file())
    assert not (tmp_path / "dst" / "link.txt").exists() and not (tmp_path / "dst" / "a" / "linked-folder").exists()


def test_a_root_that_is_a_symlink_is_refused(tree, tmp_path):
    src, secret = tree
    (tmp_path / "root-link").symlink_to(secret)
    with pytest.raises(KitError) as info:
        copy_tree(tmp_path / "root-link", tmp_path / "dst", max_files=100, max_bytes=1000)
    assert "a symlink, which is never followed" in one_line(info)
    assert not (tmp_path / "dst").exists()
    with pytest.raises(KitError, match="a symlink"):
        read_file(tmp_path / "root-link", "answer.txt", max_bytes=100)
    with pytest.raises(KitError, match="not a folder that exists"):
        copy_tree(tmp_path / "missing", tmp_path / "dst", max_files=100, max_bytes=1000)
    with pytest.raises(KitError, match="not a folder that exists"):
        read_file(src / "top.txt", "x", max_bytes=100)


def test_the_destination_must_be_new(tree, tmp_path):
    src, _ = tree
    (tmp_path / "dst").mkdir()
    with pytest.raises(KitError) as info:
        copy_tree(src, tmp_path / "dst", max_files=100, max_bytes=1000)
    assert "must be a new folder" in one_line(info)


def test_limits_are_one_clear_sentence(tree, tmp_path):
    src, _ = tree
    with pytest.raises(KitError) as info:
        copy_tree(src, tmp_path / "d1", max_files=3, max_bytes=1000)
    assert "too many to copy" in one_line(info)
    with pytest.raises(KitError) as info:
        copy_tree(src, tmp_path / "d2", max_files=100, max_bytes=8)
    assert "too large to copy" in one_line(info)
    with open(src / "sparse.bin", "wb") as handle:  # 50 GB on paper, nothing on disk: refused before reading
        handle.truncate(50 * 2**30)
    with pytest.raises(KitError, match="too large to copy"):
        copy_tree(src, tmp_path / "d3", max_files=100, max_bytes=10**9)


def test_folders_nested_too_deep_are_refused(tmp_path):
    deep = tmp_path / "src"
    deep.mkdir()
    path = deep
    for _ in range(70):
        path = path / "d"
    path.mkdir(parents=True)
    with pytest.raises(KitError) as info:
        copy_tree(deep, tmp_path / "dst", max_files=1000, max_bytes=1000)
    assert "more than 64 deep" in one_line(info)


def lying_stat(monkeypatch, lies: dict[str, int]):
    """os.stat reports some names as another kind: as if the learner swapped them after we looked."""
    real = os.stat

    def fake(path, *args, **kwargs):
        result = real(path, *args, **kwargs)
        if isinstance(path, str) and path in lies:
            values = list(result)
            values[0] = lies[path] | 0o644
            return os.stat_result(values)
        return result

    monkeypatch.setattr(os, "stat", fake)


def test_a_symlink_or_fifo_swapped_in_during_the_copy_is_refused_not_followed(tree, tmp_path, monkeypatch):
    src, secret = tree
    (src / "swapped-folder").symlink_to(secret)
    (src / "swapped-file").symlink_to(secret / "answer.txt")
    os.mkfifo(src / "swapped-fifo")
    lying_stat(monkeypatch, {"swapped-folder": stat.S_IFDIR, "swapped-file": stat.S_IFREG,
                             "swapped-fifo": stat.S_IFREG})
    skipped = copy_tree(src, tmp_path / "dst", max_files=100, max_bytes=1000)  # a fifo opened blocking would hang
    monkeypatch.undo()
    assert skipped == ["swapped-fifo", "swapped-file", "swapped-folder"]
    assert not (tmp_path / "dst" / "swapped-folder").exists() and not (tmp_path / "dst" / "swapped-file").exists()


def test_read_file_reads_plain_files_only(tree, tmp_path):
    src, secret = tree
    assert read_file(src, "a/b/deep.txt", max_bytes=100) == b"\x00deep\xff"
    assert read_file(str(src), "top.txt", max_bytes=4) == b"top\n"
    (src / "a" / "link.txt").symlink_to(secret / "answer.txt")
    (src / "linked").symlink_to(secret)
    os.mkfifo(src / "fifo")
    for relative in ("a/link.txt", "linked/answer.txt", "fifo", "missing.txt", "a", "a/b"):
        with pytest.raises(KitError) as info:
            read_file(src, relative, max_bytes=100)
        assert "not a plain file" in one_line(info) and SECRET not in str(info.value)


@pytest.mark.parametrize("relative", ["../secret/answer.txt", "a/../../secret/answer.txt", "/etc/hostname", "",
                                      "./top.txt", "a//b/deep.txt", "top.txt\0", 3, None])
def test_read_file_refuses_paths_that_leave_the_folder(tree, relative):
    src, _ = tree
    with pytest.raises(KitError) as info:
        read_file(src, relative, max_bytes=100)
    assert "not a path inside the folder" in one_line(info)


def test_read_file_never_cuts_a_file_short(tree):
    src, _ = tree
    with pytest.raises(KitError) as info:
        read_file(src, "top.txt", max_bytes=3)
    assert "larger than 3 bytes" in one_line(info)


def test_nothing_is_left_open(tree, tmp_path):
    src, _ = tree
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for n in range(20):
        copy_tree(src, tmp_path / f"dst{n}", max_files=100, max_bytes=1000)
        read_file(src, "a/b/deep.txt", max_bytes=100)
        with pytest.raises(KitError):
            read_file(src, "a/missing/deep.txt", max_bytes=100)
        with pytest.raises(KitError):
            copy_tree(src, tmp_path / f"small{n}", max_files=2, max_bytes=1000)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
    assert safe_files.__all__ == ["copy_tree", "read_file"]
