"""`make bench`: grading throughput of `tpm-grade grade` against stock `nbgrader autograde`, same run, same machine.

`python -m bench.grading` from the root of a checkout (it reads solutions/ and tests/, so it is not shipped).

Generates N submissions of one exercise (a mix of correct, misconception and blank notebooks), then
times each grader end to end from an empty course (recording the assignment included), and prints
both times and the ratio. Nothing here is asserted: figures are for people to read.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from autograder import grade, misconceptions, notebooks
from autograder.scratch import ScratchCourse, fill_answers

BENCH_DIR = Path(__file__).resolve().parent
KIT_ROOT = BENCH_DIR.parent


def submissions(aid: str, count: int) -> dict[str, object]:
    """student id -> notebook: every third correct, every third blank, the rest real misconceptions."""
    return dict(_submissions(aid, count))


def _submissions(aid: str, count: int):
    """(student id, notebook) one at a time, so that a large batch is never held in memory."""
    released = notebooks.read(KIT_ROOT / "exercises" / aid / f"{aid}.ipynb")
    source = notebooks.read(KIT_ROOT / "solutions" / aid / f"{aid}.ipynb")
    wrongs = misconceptions.load(KIT_ROOT, aid)
    for i in range(count):
        if i % 3 == 0 or not wrongs:
            nb = fill_answers(released, source)
        elif i % 3 == 1:
            nb = released
        else:
            wrong = wrongs[i % len(wrongs)]
            nb = fill_answers(released, source, {wrong["answer"]: wrong["code"]})
        yield f"student{i:03d}", nb


def _course(base: Path, aid: str, subs: dict, layout_root: str) -> Path:
    course = base
    for part in ("solutions", "exercises"):
        (course / part).mkdir(parents=True, exist_ok=True)
        os.symlink(KIT_ROOT / part / aid, course / part / aid)
    for student, nb in subs.items():
        notebooks.write(nb, course / layout_root / student / aid / f"{aid}.ipynb")
    return course


def time_tpm_grade(aid: str, subs: dict, workers: int) -> float:
    with tempfile.TemporaryDirectory(prefix="tpm-bench-") as tmp:
        course = _course(Path(tmp), aid, subs, "submitted")
        started = time.perf_counter()
        grade.main(submissions=[course / "submitted"], assignment=aid, course=course, workers=workers,
                   stream=io.StringIO())
        return time.perf_counter() - started


def time_stock_nbgrader(aid: str, subs: dict) -> float:
    with tempfile.TemporaryDirectory(prefix="tpm-bench-stock-") as tmp:
        course = ScratchCourse(Path(tmp), KIT_ROOT)
        for student, nb in subs.items():
            course.submit(student, aid, aid, nb)
        started = time.perf_counter()
        course.generate(aid)
        course.autograde(aid)
        return time.perf_counter() - started


DOCS_COURSE = "docs/source/user_guide"   # nbgrader's documentation course, inside the installed package


def plain_course(base: Path, count: int) -> Path:
    """nbgrader's documentation course (ps1: two notebooks and an image) with `count` students, each handing in
    bitdiddle's or hacker's submission in turn: an ordinary nbgrader course, one that needs the kernel mode."""
    import shutil

    import nbgrader

    docs = Path(nbgrader.__file__).parent / DOCS_COURSE
    shutil.copytree(docs / "source", base / "source")
    for i in range(count):
        shutil.copytree(docs / "submitted" / ("bitdiddle", "hacker")[i % 2], base / "submitted" / f"student{i:03d}")
    return base


def time_plain_course(count: int, workers: int) -> tuple[float, float]:
    """(stock seconds, tpm-grade seconds) on the plain course, each from a fresh copy (recording included)."""
    import subprocess

    from autograder.nbgrader_bridge import env as nbgrader_env

    times = []
    for grader in ("stock", "tpm-grade"):
        with tempfile.TemporaryDirectory(prefix=f"tpm-bench-plain-{grader}-") as tmp:
            course = plain_course(Path(tmp), count)
            started = time.perf_counter()
            if grader == "stock":
                for step in ("generate_assignment", "autograde"):
                    subprocess.run([sys.executable, "-m", "nbgrader", step, "ps1"], cwd=course, env=nbgrader_env(),
                                   check=True, capture_output=True)
            else:
                grade.main(submissions=[course / "submitted"], assignment="ps1", course=course, workers=workers,
                           stream=io.StringIO())
            times.append(time.perf_counter() - started)
    return times[0], times[1]


def breakdown(aid: str, nb) -> dict[str, float]:
    """Where one submission's time goes inside a grading worker (sandbox on), in seconds: its kernel's start
    (sandbox, then the kernel forked from the worker's pre-imported server), the first code cell (the
    imports), the learner's other cells, reading values and testing them, and the rest (plan, replica, graded
    notebook). As root it runs where a worker would: jailed, as an unprivileged uid (worker.jail_command)."""
    import json
    import subprocess

    from autograder import sandbox, worker

    if os.geteuid() != 0:
        return _breakdown_here(aid, nbformat_bytes(nb))
    with tempfile.TemporaryDirectory(prefix="tpm-bench-worker-") as tmp:
        own, uid = Path(tmp) / "w", sandbox.sandbox_uid(0)
        own.mkdir(mode=0o700)
        (own / "nb.ipynb").write_bytes(nbformat_bytes(nb))
        os.chown(own, uid, uid)
        os.chmod(Path(tmp), 0o755)  # noqa: S103 - the jailed uid must enter it
        hide, visible = worker.view()
        # This file by path: `-I` keeps the checkout (where the bench package lives) off sys.path.
        command = [*worker.jail_command(uid, own, hide, [*visible, BENCH_DIR]), sys.executable, "-I",
                   str(Path(__file__).resolve()), "--assignment", aid, "--breakdown-one", str(own / "nb.ipynb")]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(own), "TMPDIR": str(own), "LANG": "C.UTF-8"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=own, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the breakdown failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def nbformat_bytes(nb) -> bytes:
    import nbformat

    return nbformat.writes(nb).encode()


def _breakdown_here(aid: str, data: bytes) -> dict[str, float]:
    from autograder import assignment, forkserver, kernel, runner, sandbox

    asg = assignment.load(KIT_ROOT, aid)
    spent = {"kernel start (sandbox, forked kernel)": 0.0, "first cell (imports)": 0.0, "other cells": 0.0,
             "fetching values": 0.0}
    real = kernel.Kernel.start, kernel.Kernel.execute, kernel.Kernel.fetch

    inside_fetch = {"now": False}   # Kernel.fetch runs through Kernel.execute: count that time once, as fetching

    def timed(key, fn):
        def wrapper(self, *args, **kwargs):
            if fn is real[1] and inside_fetch["now"]:
                return fn(self, *args, **kwargs)
            inside_fetch["now"] = fn is real[2]
            started = time.perf_counter()
            try:
                return fn(self, *args, **kwargs)
            finally:
                inside_fetch["now"] = False
                name = key(self) if callable(key) else key
                spent[name] += time.perf_counter() - started
        return wrapper

    first = {"done": False}

    def cell_key(_self):
        if not first["done"]:
            first["done"] = True
            return "first cell (imports)"
        return "other cells"

    kernel.Kernel.start = timed("kernel start (sandbox, forked kernel)", real[0])
    kernel.Kernel.execute = timed(cell_key, real[1])
    kernel.Kernel.fetch = timed("fetching values", real[2])
    with tempfile.TemporaryDirectory(prefix="tpm-bench-one-") as tmp:
        server = forkserver.Forkserver(sandbox.environment(Path(tmp) / "forkserver"))
        try:
            runner.grade(asg, "warmup", f"{aid}.ipynb", data, scratch_root=Path(tmp), slot=0, timeout=30,
                         use_sandbox=True, forkserver=server)   # the first run pays the disk cache and the server
            if server.broken:
                raise RuntimeError(f"kernels could not be forked here: {server.broken}")
            for key in spent:
                spent[key] = 0.0
            first["done"] = False
            started = time.perf_counter()
            runner.grade(asg, "one", f"{aid}.ipynb", data, scratch_root=Path(tmp), slot=0, timeout=30,
                         use_sandbox=True, forkserver=server)
            total = time.perf_counter() - started
        finally:
            kernel.Kernel.start, kernel.Kernel.execute, kernel.Kernel.fetch = real
            server.close()
    spent["tests, plan, replica, graded notebook"] = total - sum(spent.values())
    spent["total"] = total
    return spent


def warm_kernel_seconds(aid: str, subs: dict) -> float:
    """The notebooks' own cells, imports included, each notebook in a kernel that is already running (its start
    not counted): the floor a grader that runs every learner cell cannot go below. Mean seconds per notebook."""
    from autograder import assignment, kernel, plan, sandbox

    asg = assignment.load(KIT_ROOT, aid)
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="tpm-bench-warm-") as tmp:
        for i, nb in enumerate(subs.values()):
            scratch, private = Path(tmp) / f"s{i}", Path(tmp) / f"p{i}"
            private.mkdir(mode=0o700)
            sandbox.prepare(scratch, slot=0)
            k = kernel.Kernel(scratch, private, slot=0, use_sandbox=True)
            k.start()
            try:
                steps = [s.source for s in plan.build(asg, nb["cells"]).steps if s.kind == "code"]
                started = time.perf_counter()
                for source in steps:
                    k.execute(source, 30)
                total += time.perf_counter() - started
            finally:
                k.stop()
    return total / len(subs)


def time_insight(aid: str, count: int) -> float:
    """`tpm-grade insight` on `count` recorded students (result files as grading writes them, their wrong answers
    drawn from the exercise's misconceptions and some unexplained values), end to end."""
    import json
    import random

    from autograder import assignment, insight

    asg = assignment.load(KIT_ROOT, aid)
    wrongs = misconceptions.load(KIT_ROOT, aid)
    questions = [q for q in asg.questions if not q.manual]
    pick = random.Random(17)  # noqa: S311 - seeded: the same submissions every run
    with tempfile.TemporaryDirectory(prefix="tpm-bench-insight-") as tmp:
        folder = Path(tmp) / "tpm-grade-results" / aid
        folder.mkdir(parents=True)
        for i in range(count):
            rows = []
            for q in questions:
                roll = pick.random()
                if roll < 0.6:
                    rows.append({"id": q.id, "score": q.points, "max_score": q.points, "status": "passed"})
                    continue
                known = [w for w in wrongs if w["question"] == q.id]
                diagnosis = ({"id": known[0]["id"], "explanation": known[0]["explanation"]}
                             if known and roll < 0.85 else None)
                rows.append({"id": q.id, "score": 0.0, "max_score": q.points, "status": "failed",
                             "answer": {"x": pick.randint(1, 5)}, "diagnosis": diagnosis})
            score = sum(r["score"] for r in rows)
            (folder / f"student{i:04d}.json").write_text(json.dumps(
                {"student": f"student{i:04d}", "status": "graded", "score": score,
                 "max_score": sum(q.points for q in questions), "questions": rows}))
        started = time.perf_counter()
        insight.main(assignment=aid, course=Path(tmp), output=Path(tmp) / "insight.html",
                     json_path=Path(tmp) / "insight.json")
        return time.perf_counter() - started


def ci_latency(aid: str, nb) -> float:
    """One learner's push: `tpm-grade ci` on a repository holding one notebook, as its own process."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="tpm-bench-ci-") as tmp:
        notebooks.write(nb, Path(tmp) / "repo" / "exercises" / aid / f"{aid}.ipynb")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder.cli", "ci", str(Path(tmp) / "repo"), "--course",
                        str(KIT_ROOT), "--json", str(Path(tmp) / "score.json")], check=True, capture_output=True)
        return time.perf_counter() - started


def scaling(aid: str, sizes: tuple[int, ...], workers: int):
    """(submissions, seconds per submission, CPU seconds per submission, peak memory in MiB) for each batch size,
    as each finishes: `tpm-grade grade` in a process of its own, so its peak resident memory is its own."""
    import subprocess

    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="tpm-bench-scale-") as tmp:
            course = _course(Path(tmp), aid, submissions(aid, count), "submitted")
            started, cpu = time.perf_counter(), _busy_cpu()
            proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(course / "submitted"),
                                     "-a", aid, "--course", str(course), "--workers", str(workers)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds, cpu = time.perf_counter() - started, _busy_cpu() - cpu
            if status != 0:
                raise RuntimeError(f"tpm-grade grade failed on {count} submissions (status {status})")
            yield count, seconds / count, cpu / count, usage.ru_maxrss / 1024


def warm_rounds(aid: str, sizes: tuple[int, ...], workers: int):
    """(submissions, seconds per submission, CPU seconds per submission, peak MiB of the largest process) for each
    round of one warm pool, the way `tpm-grade watch` grades: one course and gradebook, workers started before each
    round, each round a folder of new students. Run in a process of its own, so its memory is its own."""
    import json
    import subprocess

    command = [sys.executable, "-m", "bench.grading", "--assignment", aid, "--workers", str(workers),
               "--warm-rounds-here", ",".join(map(str, sizes))]
    with subprocess.Popen(command, cwd=KIT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:   # type: ignore[union-attr]  # stdout is a pipe
            yield tuple(json.loads(line))
        if proc.wait() != 0:
            raise RuntimeError(f"the warm rounds failed: {(proc.stderr.read().strip().splitlines() or ['?'])[-1]}")  # type: ignore[union-attr]  # a pipe


def _warm_rounds_here(aid: str, sizes: list[int], workers: int) -> None:
    """The inside of warm_rounds. A first round of 4 submissions records the assignment and reads the diagnosis
    cache, as a watch's first round does; it is not printed. Before each round the workers are replaced and given
    5 s to start, as watch replaces them while it waits between rounds."""
    import json

    from autograder.pool import WorkerPool

    with tempfile.TemporaryDirectory(prefix="tpm-bench-rounds-") as tmp:
        course = _course(Path(tmp), aid, {}, "submitted")
        with WorkerPool(course, workers) as pool:
            pool.warm()
            for number, count in enumerate([4, *sizes]):
                if number:   # as watch does after each round, while it waits for the next
                    pool.renew()
                    time.sleep(5)
                folder = Path(tmp) / f"round{number}"
                for student, nb in _submissions(aid, count):
                    notebooks.write(nb, folder / f"r{number}-{student}" / aid / f"{aid}.ipynb")
                started, cpu = time.perf_counter(), _busy_cpu()
                report = grade.grade_batch(submissions=[folder], assignment=aid, course=course, pool=pool,
                                           stream=io.StringIO())
                seconds, cpu = time.perf_counter() - started, _busy_cpu() - cpu
                if report.graded != count:
                    raise RuntimeError(f"round {number}: {report.graded} of {count} graded")
                if number:
                    print(json.dumps([count, seconds / count, cpu / count, _peak_mib()]), flush=True)


def _peak_mib() -> float:
    """The largest peak resident memory of this process and of every process under it still running (the workers
    and their fork servers), in MiB."""
    import resource

    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    ours, grew = {os.getpid()}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= below
        grew = bool(below)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for pid in ours - {os.getpid()}:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def _busy_cpu() -> float:
    """CPU seconds this machine's cores have been busy since boot (user, nice, system, irq and softirq time of
    /proc/stat; not idle, I/O wait or time the hypervisor stole). The difference over a run is what the run cost,
    with every process it started. Counting the run's own processes misses most of it: a worker is stopped by killing
    its process group at once, so the worker and its fork server end as orphans that init reaps, taking their CPU
    time (and their kernels') with them. The bench runs alone; the OS's own threads add about 1% of the cores."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in stat.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def time_sharded_postgres(aid: str, subs: dict, shards: int) -> tuple[float, int] | None:
    """Grade in `shards` processes at once (as CI jobs would) into one PostgreSQL gradebook.

    Returns (seconds, submissions recorded), or None where no PostgreSQL server is installed.
    """
    import subprocess

    from tests.support.postgres import PostgresServer

    server = PostgresServer()
    if server.bin is None:
        return None
    with tempfile.TemporaryDirectory(prefix="tpm-bench-shards-") as tmp:
        course = _course(Path(tmp), aid, subs, "submitted")
        try:
            server.start()
            url = server.create_database("bench")
            env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
            started = time.perf_counter()
            jobs = [subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(course / "submitted"),
                                      "-a", aid, "--course", str(course), "--workers", "1", "--db-url", url,
                                      "--shard", f"{i}/{shards}"], env=env, cwd=KIT_ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                    for i in range(1, shards + 1)]
            failures = [job.communicate()[1] for job in jobs if job.wait() != 0]
            seconds = time.perf_counter() - started
            if failures:
                raise RuntimeError(f"a shard failed: {failures[0].strip().splitlines()[-1:]}")
            from nbgrader.api import Gradebook

            with Gradebook(url) as gb:
                recorded = len(gb.assignment_submissions(aid))
            return seconds, recorded
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="07-slos")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--long", action="store_true",
                        help="also grade 40, 200 and 1,000 submissions: per-submission cost and peak memory")
    parser.add_argument("--plain-submissions", type=int, default=20,
                        help="students for the plain nbgrader course (nbgrader's ps1; 0 skips it)")
    parser.add_argument("--shard-submissions", type=int, default=200,
                        help="submissions for the sharded PostgreSQL run (0 skips it)")
    parser.add_argument("--breakdown-one", metavar="NOTEBOOK", help=argparse.SUPPRESS)   # run inside a worker's jail
    parser.add_argument("--warm-rounds-here", metavar="SIZES", help=argparse.SUPPRESS)   # warm_rounds' own process
    args = parser.parse_args(argv)
    if args.warm_rounds_here:
        _warm_rounds_here(args.assignment, [int(n) for n in args.warm_rounds_here.split(",")], args.workers)
        return 0
    if args.breakdown_one:
        import json

        print(json.dumps(_breakdown_here(args.assignment, Path(args.breakdown_one).read_bytes())))
        return 0
    subs = submissions(args.assignment, args.submissions)
    n = len(subs)
    print(f"Grading {n} submissions of {args.assignment} ({os.cpu_count()} cores)...", flush=True)
    print("  stock nbgrader autograde (baseline) ...", end=" ", flush=True)
    stock = time_stock_nbgrader(args.assignment, subs)
    print(f"{stock:.1f} s", flush=True)
    print(f"  tpm-grade grade --workers {args.workers} (sandbox on) ...", end=" ", flush=True)
    # The floor is measured just before and just after, so that both sides of the multiple see the same machine.
    floor = [warm_kernel_seconds(args.assignment, subs)]
    ours = time_tpm_grade(args.assignment, subs, args.workers)
    floor.append(warm_kernel_seconds(args.assignment, subs))
    print(f"{ours:.1f} s", flush=True)
    print("  the same, every kernel started anew (TPM_GRADE_FORKSERVER=0) ...", end=" ", flush=True)
    os.environ["TPM_GRADE_FORKSERVER"] = "0"
    try:
        anew = time_tpm_grade(args.assignment, subs, args.workers)
    finally:
        del os.environ["TPM_GRADE_FORKSERVER"]
    print(f"{anew:.1f} s", flush=True)
    print()
    print(f"{'grader':<34}{'seconds':>10}{'submissions/min':>18}")
    print(f"{'stock nbgrader autograde':<34}{stock:>10.1f}{n / stock * 60:>18.1f}")
    print(f"{f'tpm-grade grade --workers {args.workers}':<34}{ours:>10.1f}{n / ours * 60:>18.1f}")
    print(f"{'  the same, kernels started anew':<34}{anew:>10.1f}{n / anew * 60:>18.1f}")
    print(f"\nthroughput ratio (tpm-grade / stock nbgrader): {stock / ours:.2f}x   (target: at least 2.5x)")
    warm = sum(floor) / 2
    per_core = ours * args.workers / n
    print(f"tpm-grade per submission per core: {per_core:.2f} s; the notebooks' own cells in a running kernel: "
          f"{warm:.2f} s (just before: {floor[0]:.2f} s, just after: {floor[1]:.2f} s); multiple: "
          f"{per_core / warm:.1f}x   (target: at most 2x)")
    (_, each, _, _), = warm_rounds(args.assignment, (n,), args.workers)
    print(f"the same {n} as a round of tpm-grade watch (workers already warm): {each * n:.1f} s, "
          f"{stock / (each * n):.2f}x stock; per submission per core {each * args.workers:.2f} s, "
          f"{each * args.workers / warm:.1f}x the cells' own time")
    correct = next(iter(subs.values()))
    print(f"one submission's latency (tpm-grade ci, its own process): {ci_latency(args.assignment, correct):.1f} s"
          "   (target: under 3 s)")
    print(f"tpm-grade insight on 1,000 recorded students: {time_insight(args.assignment, 1000):.1f} s"
          "   (target: under 10 s)")
    print("\nOne correct submission inside a worker, sandbox on:")
    for part, seconds in breakdown(args.assignment, correct).items():
        print(f"  {part:<40}{seconds:>7.2f} s")
    if args.plain_submissions:
        _plain(args.plain_submissions, args.workers)
    if args.long:
        _scaling(args.assignment, args.workers)
    if args.shard_submissions:
        _sharded(args.assignment, args.shard_submissions)
    return 0


# Batch sizes in the order they are graded. The machine's speed moves by up to a third for minutes at a time, so
# the sizes take turns: a slow spell falls on several sizes instead of all the runs of one.
SCALING = (40, 200, 40, 1000, 40, 200, 40)


def _scaling(aid: str, workers: int) -> None:
    """Per-submission cost at 40, 200 and 1,000 submissions, as one-off batches and as rounds of a warm pool, in
    wall seconds and in CPU seconds (every process of the grader, kernels included: the work done, not the waiting).
    Each size's runs are averaged (a run of 1,000 is itself an average over minutes)."""
    sizes = sorted(set(SCALING))
    runs = ", ".join(f"{SCALING.count(size)} of {size}" for size in sizes)
    print(f"\nScaling (--long): {aid}, --workers {workers}; per submission: wall seconds and CPU seconds (the mean of "
          f"{runs}, graded in turns), and peak MiB of the largest process")
    print(f"{'':>12}{'one-off batch':^30}{'warm round':^30}")
    print(f"{'submissions':>12}" + f"{'wall s':>10}{'CPU s':>10}{'MiB':>10}" * 2)
    seen: dict[str, dict[int, list[tuple[float, float, float]]]] = {"one-off": {}, "warm": {}}
    for name, measured in (("one-off", scaling(aid, SCALING, workers)), ("warm", warm_rounds(aid, SCALING, workers))):
        for count, each, cpu, mib in measured:
            seen[name].setdefault(count, []).append((each, cpu, mib))
    mean = {name: {count: (sum(r[0] for r in rows) / len(rows), sum(r[1] for r in rows) / len(rows),
                           max(r[2] for r in rows)) for count, rows in by_size.items()}
            for name, by_size in seen.items()}
    cold, warm = mean["one-off"], mean["warm"]
    for count in sizes:
        print(f"{count:>12}" + "".join(f"{w:>10.3f}{c:>10.3f}{m:>10.0f}" for w, c, m in (cold[count], warm[count])))
    print("every run (wall s per submission, in the order graded): one-off " +
          " ".join(f"{count}:{each:.3f}" for count, each in _in_order(seen["one-off"])) + "; warm " +
          " ".join(f"{count}:{each:.3f}" for count, each in _in_order(seen["warm"])))

    def spread(rows: dict, column: int) -> float:
        costs = [row[column] for row in rows.values()]
        return max(costs) / min(costs)

    print(f"warm rounds (as tpm-grade watch grades): the dearest per-submission cost is {spread(warm, 0):.2f}x the "
          f"cheapest in wall time, {spread(warm, 1):.2f}x in CPU time   (target: within 1.10x)")
    small, mid, large = sizes
    # A one-off batch costs start + n x each: the start from the sizes' totals, each from the two largest.
    each = [(large * cold[large][c] - mid * cold[mid][c]) / (large - mid) for c in (0, 1)]
    start = [small * (cold[small][c] - each[c]) for c in (0, 1)]
    print(f"one-off batches: {spread(cold, 0):.2f}x in wall time, {spread(cold, 1):.2f}x in CPU time; each pays a "
          f"start of about {start[0]:.1f} s ({start[1]:.1f} CPU-s: workers and fork servers, and nbgrader recording "
          f"the assignment into an empty gradebook), and each submission after it {each[0]:.3f} s ({each[1]:.3f} "
          "CPU-s)")


def _in_order(by_size: dict[int, list]) -> list[tuple[int, float]]:
    """(size, wall seconds per submission) of every run, in SCALING's order."""
    taken = {count: iter(rows) for count, rows in by_size.items()}
    return [(count, next(taken[count])[0]) for count in SCALING]


def _plain(count: int, workers: int) -> None:
    print(f"\nA plain nbgrader course: nbgrader's documentation ps1 (2 notebooks each), {count} students ...",
          flush=True)
    stock, ours = time_plain_course(count, workers)
    print(f"{'stock nbgrader generate_assignment + autograde':<50}{stock:>8.1f} s")
    print(f"{f'tpm-grade grade --workers {workers} (sandbox on)':<50}{ours:>8.1f} s")
    print(f"throughput ratio on a plain course (tpm-grade / stock nbgrader): {stock / ours:.2f}x")


def _sharded(aid: str, count: int) -> None:
    print(f"\nGrading {count} submissions of {aid} in 2 shards (two grader processes, one worker each) "
          "into one PostgreSQL gradebook ...", end=" ", flush=True)
    measured = time_sharded_postgres(aid, submissions(aid, count), shards=2)
    if measured is None:
        print("skipped: PostgreSQL is not installed (scripts/install-system-packages.sh installs it).")
        return
    seconds, recorded = measured
    print(f"{seconds:.1f} s")
    print(f"  {recorded} of {count} submissions recorded; {count / seconds * 60:.1f} submissions/min; "
          f"{seconds / count:.2f} s per submission with both cores busy")


if __name__ == "__main__":
    sys.exit(main())
