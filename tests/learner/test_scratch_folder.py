"""tpmkit.scratch_folder: the one temporary-folder lifecycle that the git sandbox and the restore drill share.

A folder is made fresh, owned by this process, deleted by cleanup(), by garbage collection and at exit;
folders of killed kernels are swept, and nothing else is touched."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tpmkit import git_sandbox
from tpmkit.disaster_recovery import restore_drill
from tpmkit.errors import KitError
from tpmkit.scratch_folder import OWNER, ScratchFolder, ScratchOwner, sweep_stale


@pytest.fixture
def tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def dead_pid() -> int:
    done = subprocess.Popen(["true"])  # a process id that no longer exists once it has finished
    done.wait()
    return done.pid


class Thing(ScratchOwner):
    _cleaned_up_message = "This thing was cleaned up: make a new Thing()."

    def __init__(self, **kwargs):
        self._scratch = ScratchFolder("tpmkit-test-", **kwargs)


def test_a_new_folder_is_private_owned_and_deleted_once(tmp):
    calls = []
    folder = ScratchFolder("tpmkit-test-", before_removal=lambda: calls.append(os.path.isdir(folder_path)))
    folder_path = folder.path
    assert Path(folder_path).parent == tmp and Path(folder_path).name.startswith("tpmkit-test-")
    assert os.stat(folder_path).st_mode & 0o777 == 0o700
    assert Path(folder_path, OWNER).read_text() == str(os.getpid())
    folder.cleanup()
    assert calls == [True], "before_removal runs once, while the folder still exists"
    assert not os.path.exists(folder_path) and folder.cleaned_up
    folder.cleanup()
    assert calls == [True]


def test_a_given_path_is_made_exactly_and_an_existing_one_is_refused(tmp):
    made = ScratchFolder("tpmkit-test-", path=str(tmp / "known"))
    assert made.path == str(tmp / "known") and (tmp / "known" / OWNER).is_file()
    (tmp / "taken").mkdir()
    (tmp / "taken" / "work.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        ScratchFolder("tpmkit-test-", path=str(tmp / "taken"))
    assert (tmp / "taken" / "work.txt").read_text() == "keep me"


def test_an_owner_cleans_up_on_with_on_collection_and_refuses_work_after(tmp):
    with Thing() as thing:
        path = thing._scratch.path
        thing._alive()
    assert thing.cleaned_up and not os.path.exists(path)
    with pytest.raises(KitError, match="make a new Thing"):
        thing._alive()
    forgotten = Thing()
    path = forgotten._scratch.path
    del forgotten
    assert not os.path.exists(path)


def test_the_folder_is_deleted_when_python_exits(tmp_path):
    keep = ("from tpmkit.scratch_folder import ScratchFolder; "
            "kept = ScratchFolder('tpmkit-test-'); print(kept.path)")
    done = subprocess.run([sys.executable, "-c", keep], capture_output=True, text=True, check=True,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    path = done.stdout.strip()
    assert path.startswith(str(tmp_path)) and not os.path.exists(path)


def test_only_folders_of_dead_owners_with_the_prefix_are_swept(tmp):
    for name, owner in (("tpmkit-test-stale", str(dead_pid())), ("tpmkit-test-ours", str(os.getpid())),
                        ("tpmkit-test-alive", "1"), ("tpmkit-test-junk", "not a pid"),
                        ("tpmkit-other-stale", str(dead_pid()))):
        (tmp / name).mkdir()
        (tmp / name / OWNER).write_text(owner)
    (tmp / "tpmkit-test-no-owner").mkdir()
    sweep_stale("tpmkit-test-")
    assert sorted(p.name for p in tmp.iterdir()) == ["tpmkit-other-stale", "tpmkit-test-alive", "tpmkit-test-junk",
                                                      "tpmkit-test-no-owner", "tpmkit-test-ours"]


@pytest.mark.parametrize(("prefix", "make"), [
    ("tpmkit-git-", lambda: git_sandbox.Sandbox()),
    ("tpmkit-drill-", lambda: restore_drill.OrderService()),
])
def test_the_sandbox_and_the_drill_both_use_it(tmp, prefix, make):
    (tmp / f"{prefix}stale").mkdir()
    (tmp / f"{prefix}stale" / OWNER).write_text(str(dead_pid()))
    made = make()
    folder = Path(made._scratch.path)
    assert [p.name for p in tmp.iterdir()] == [folder.name] and folder.name.startswith(prefix)
    made.cleanup()
    assert list(tmp.iterdir()) == []
