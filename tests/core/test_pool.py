"""WorkerPool's checks, made before any worker starts (no sandbox needed)."""

from __future__ import annotations

import pytest

from autograder.errors import UsageError
from autograder.pool import WorkerPool


def test_a_pool_serves_only_its_own_course_and_sandbox_setting(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with WorkerPool(tmp_path / "a", 2) as pool:
        pool.fits(tmp_path / "a" / ".." / "a", False)
        with pytest.raises(UsageError, match="grade .*/a, not .*/b"):
            pool.fits(tmp_path / "b", False)
        with pytest.raises(UsageError, match="sandbox on"):
            pool.fits(tmp_path / "a", True)
        assert [w.proc for w in pool.workers] == [None, None]   # nothing starts before it is needed
        folder = pool.folder
        with pool.batch_folder() as batch:
            assert str(batch).startswith(str(folder))
    assert not folder.exists()


@pytest.mark.parametrize("size", [0, 65])
def test_a_pool_size_out_of_range_is_refused(tmp_path, size):
    with pytest.raises(UsageError, match="--workers is between 1 and 64"):
        WorkerPool(tmp_path, size)


def test_a_worker_needs_its_batch_before_a_submission(tmp_path):
    with WorkerPool(tmp_path, 1) as pool, pytest.raises(RuntimeError, match="begin"):
        pool.workers[0].grade("s", "n.ipynb", b"", {}, wait=1)
