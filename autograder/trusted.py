"""Test cells run here, in the grader's own process, never in the learner's kernel.

A test cell's code is parsed; every learner name it reads is replaced by a placeholder whose value is
fetched from the learner's kernel as plain data before the test runs. A chain on a learner name
(`repo.path`, `model.predict(3)`, `answers["q1"]`) is fetched whole, so a learner's function is
called inside the sandbox on arguments the test chose, and only its plain result comes back. The
course's own imports (`from tpmkit import check`) are replayed here, so nothing the learner did to
their copies of those modules (or to builtins, or to IPython) reaches the test.

Names the course's setup cells bind (`shop`, `repo_path`, `ITEM_IDS`) are the course's, not the
learner's: a test reads them from the grader's own replica of the setup (`autograder.replica`),
never from the learner's kernel, where the learner could have rebound them.

A test that calls learner code (or indexes a learner value) hands that code the test's inputs, which
may be hidden. Such a test is "probing": the runner runs it after the learner's last cell, and its
message never shows a learner value (which could carry those inputs back out), only the question's
own words.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from autograder.diagnosis import PRODUCED
from tpmkit.errors import CheckFailed, KitError


class FetchFailed(Exception):
    """A value could not be read from the learner's kernel; the message is for the learner. (The kernel driver
    raises it; it lives here so that what reads results never imports the driver.)"""

_LOCK = threading.Lock()  # tests print through sys.stdout, which is one per process
_BUILTINS = set(dir(builtins))


@dataclass(frozen=True)
class Outcome:
    status: str    # passed | failed | error
    message: str   # what the learner may see: never test code, never an expected value
    answer: dict | None = None   # the learner names the test read, with their fetched values (for diagnosis)


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def _bound_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


class _Fetches(ast.NodeTransformer):
    """Replace each maximal learner expression with a placeholder name, remembering its source text."""

    def __init__(self, learner_names: set[str]):
        self.learner_names = learner_names
        self.expressions: dict[str, str] = {}

    def _chain(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.learner_names and isinstance(node.ctx, ast.Load)
        if isinstance(node, ast.Attribute):
            return not node.attr.startswith("_") and self._chain(node.value)
        if isinstance(node, ast.Subscript):
            return _literal(node.slice) and self._chain(node.value)
        if isinstance(node, ast.Call):
            return (all(_literal(a) for a in node.args) and all(k.arg and _literal(k.value) for k in node.keywords)
                    and self._chain(node.func))
        return False

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr) and self._chain(node):
            placeholder = f"__tpm_fetched_{len(self.expressions)}"
            self.expressions[placeholder] = ast.unparse(node)
            return ast.copy_location(ast.Name(placeholder, ast.Load()), node)
        return self.generic_visit(node)


@dataclass
class CompiledTest:
    code: types.CodeType           # compiled, learner names replaced by placeholders
    expressions: dict[str, str]    # placeholder -> expression to fetch from the learner's kernel
    course_names: frozenset[str] = frozenset()  # course-owned names the test reads (from the replica)
    visible_lines: dict[int, str] = field(default_factory=dict)  # line number -> text, outside hidden tests

    @property
    def probing(self) -> bool:
        """Does the test hand learner code its own inputs (a call, an index, an attribute)?"""
        return any(not expression.isidentifier() for expression in self.expressions.values())


def loaded_names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def compile_test(source: str, imports: str, course_names: frozenset[str] = frozenset()) -> CompiledTest:
    """Prepare a test cell (its source from the course, hidden tests included) to run in the grader.

    `course_names` are bound by the course's setup cells: they come from the replica, never fetched."""
    tree = ast.parse(source)
    own = _bound_names(tree) | _bound_names(ast.parse(imports)) | _BUILTINS
    trusted = own | set(course_names)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    fetches = _Fetches(loaded - trusted)
    # visit() is typed to return any node; given a Module it returns that Module (only expressions are replaced).
    tree = ast.fix_missing_locations(cast(ast.Module, fetches.visit(tree)))
    return CompiledTest(compile(tree, "<test>", "exec"), fetches.expressions,
                        frozenset(loaded & set(course_names) - own), _visible_lines(source))


_BEGIN_HIDDEN, _END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _visible_lines(source: str) -> dict[int, str]:
    """The test cell's lines the learner can see (1-based), i.e. not between the hidden-test markers."""
    shown, hidden = {}, False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker.startswith(_BEGIN_HIDDEN):
            hidden = True
        elif marker.startswith(_END_HIDDEN):
            hidden = False
        elif not hidden:
            shown[number] = line
    return shown


def _failed_assert(test: CompiledTest, exc: AssertionError, probing: bool) -> str:
    """What a failed assert may say: a visible one names its own line (the learner has it); a hidden one
    says only that a hidden test failed."""
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<test>":
            line = trace.tb_lineno
        trace = trace.tb_next
    if line not in test.visible_lines:
        return "A hidden test did not pass."
    said = str(exc).strip()
    detail = f": {said}" if said and not probing else "."
    return f"The visible test `{test.visible_lines[line].strip()}` did not pass{detail}"


GRADER, KERNEL = "grader", "kernel"
_TYPE_CHECKS = {"isinstance", "type", "issubclass"}


def _learner_names(tree: ast.AST, imports: str, course_names: frozenset[str]) -> set[str]:
    """Names the test reads that the course does not provide: the learner's (as compile_test sees them)."""
    own = _bound_names(tree) | _bound_names(ast.parse(imports)) | _BUILTINS | set(course_names)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loaded - own


def _name_clash(tree: ast.AST, imports: str, course_names: frozenset[str], loaded_first: list[str]) -> str | None:
    """Why a learner name cannot be fetched once, up front: the test rebinds it after reading it, or a helper in
    the test has a name of its own that is also the learner's. None when there is no such clash."""
    # A comprehension's own variable (`[p.id for p in payments]`) is read before its `for` in the source text.
    comprehension_vars = {n.id for c in ast.walk(tree) if isinstance(c, ast.comprehension)
                          for n in ast.walk(c.target) if isinstance(n, ast.Name)}
    assigned_or_deleted = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                           and isinstance(n.ctx, (ast.Store, ast.Del))} - comprehension_vars
    # A name the test both reads and rebinds (`del squares`, `squares = old`) is the learner's at first.
    stored_at, read_at = _store_positions(tree), _read_positions(tree)
    provided = _bound_names(ast.parse(imports)) | _BUILTINS | set(course_names)
    for name in sorted((set(loaded_first) | (set(read_at) - provided)) & assigned_or_deleted):
        if min(read_at[name]) < min(stored_at[name]):
            return f"it rebinds or deletes `{name}`, which your notebook defines"
    # A helper's own name (a parameter, a local) that is also a learner name read outside it: compile_test
    # cannot tell the two apart, so the test runs where both are what they say.
    local = _function_locals(tree)
    shadowed = sorted(local & _learner_names(_without_functions(tree), imports, course_names))
    if shadowed:
        return f"a helper in it has its own `{shadowed[0]}`, a name your notebook also defines"
    return None


def mode_for(source: str, imports: str, course_names: frozenset[str] = frozenset()) -> tuple[str, str]:
    """Where a test cell can run: ("grader", "") when every learner value it reads can be fetched as plain
    data first (tamper-proof), else ("kernel", why) - it must run in the learner's kernel after their code,
    as stock nbgrader runs every test."""
    tree = ast.parse(source)
    imported = _bound_names(ast.parse(imports)) | _BUILTINS | set(course_names)
    loaded_first: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in imported:
            loaded_first.append(node.id)
    clash = _name_clash(tree, imports, course_names, loaded_first)
    if clash:
        return KERNEL, clash
    reader = next((_call_name(n) for n in ast.walk(tree) if isinstance(n, ast.Call) and _reads_files(n)), None)
    if reader is not None:
        return KERNEL, f"it reads files (`{reader}`), which are beside the notebook in the kernel's folder"
    fetches = _Fetches(_learner_names(tree, imports, course_names))
    rewritten = fetches.visit(ast.parse(source))
    placeholders = set(fetches.expressions)

    def fetched(node: ast.AST) -> str | None:
        return fetches.expressions.get(node.id) if isinstance(node, ast.Name) and node.id in placeholders else None

    for node in ast.walk(rewritten):
        if isinstance(node, ast.Call):
            handed = _handed_on(node, fetched)
            if handed is not None:
                return KERNEL, f"it hands `{handed}` on to be called, which only the kernel can do"
            called = fetched(node.func)
            if called is not None:
                return KERNEL, f"it calls `{called}` with arguments worked out while it runs"
            if isinstance(node.func, ast.Name) and node.func.id in _TYPE_CHECKS:
                checked = next((fetched(a) for a in node.args if fetched(a)), None)
                if checked is not None:
                    return KERNEL, f"it checks the type of `{checked}`, which only the kernel holds"
            owner = fetched(node.func.value) if isinstance(node.func, ast.Attribute) else None
            if owner is not None:
                return KERNEL, f"it calls a method of `{owner}`, which only the kernel holds"
        if isinstance(node, (ast.Try, ast.With)) or (isinstance(node, ast.Call) and _raises(node)):
            inside = [fetches.expressions[n.id] for n in ast.walk(node) if isinstance(n, ast.Name)
                      and n.id in placeholders and not fetches.expressions[n.id].isidentifier()]
            if inside:
                return KERNEL, f"it expects `{inside[0]}` to raise an exception"
    return GRADER, ""


# Callables that call one of their arguments: its position in the call.
_CALLS_ITS_ARGUMENT = {"map": 0, "filter": 0, "reduce": 0, "partial": 0, "callable": 0, "raises": 1}


def _handed_on(call: ast.Call, fetched) -> str | None:
    """A learner name passed to code that calls it (`map(double, ...)`, `key=rank`, `raises(E, f, 0)`): fetched
    as plain data it would arrive as a stand-in that cannot be called."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    candidates = [k.value for k in call.keywords if k.arg == "key"]
    position = _CALLS_ITS_ARGUMENT.get(name)
    if position is not None and len(call.args) > position:
        candidates.append(call.args[position])
    return next((fetched(a) for a in candidates if fetched(a)), None)


def _store_positions(tree: ast.AST) -> dict[str, list[tuple[int, int]]]:
    """Where each name is bound, as the order of evaluation has it: an assignment binds after its value is
    worked out (`total = round(total, 2)` reads first), and `total += 1` reads before it binds."""
    out: dict[str, list[tuple[int, int]]] = {}
    placed: set[int] = set()   # Name nodes bound at the end of their statement
    for stmt in ast.walk(tree):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            after = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for bound in (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)):
                out.setdefault(bound.id, []).append(after)
                placed.add(id(bound))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and id(node) not in placed:
            out.setdefault(node.id, []).append((node.lineno, node.col_offset))
    return out


def _read_positions(tree: ast.AST) -> dict[str, list[tuple[int, int]]]:
    """Where each name is read: its loads, and the target of `name += ...`, which reads it first."""
    out: dict[str, list[tuple[int, int]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.setdefault(node.id, []).append((node.lineno, node.col_offset))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out.setdefault(node.target.id, []).append((node.lineno, node.col_offset))
    return out


def _function_locals(tree: ast.AST) -> set[str]:
    """Names a def or lambda in the test binds for itself: its parameters and what its body assigns."""
    names: set[str] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            names |= {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
            body = fn.body if isinstance(fn.body, list) else [fn.body]
            names |= {n.id for stmt in body for n in ast.walk(stmt)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _without_functions(tree: ast.AST) -> ast.AST:
    """The test with each def's and lambda's body left out: what runs at its top level."""
    class Strip(ast.NodeTransformer):
        def visit_FunctionDef(self, node):   # noqa: N802 - ast's own visitor name
            return ast.Pass()

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Lambda(self, node):   # noqa: N802 - ast's own visitor name
            return ast.Constant(None)

    return Strip().visit(ast.parse(ast.unparse(tree)))


_FILE_MODULES = {"os", "pathlib", "Path", "glob", "io", "shutil"}


def _call_name(call: ast.Call) -> str:
    return ast.unparse(call.func)


def _reads_files(call: ast.Call) -> bool:
    """open(...), read_csv(...)/load(...), or anything from os, pathlib, glob, io, shutil: the files a test
    opens are the assignment's, put beside the learner's notebook, so the test must run there."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    root = func
    while isinstance(root, (ast.Attribute, ast.Call)):
        root = root.value if isinstance(root, ast.Attribute) else root.func
    return (name == "open" or name.startswith(("read_", "load")) or
            (isinstance(root, ast.Name) and root.id in _FILE_MODULES))


def _raises(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("raises", "assertRaises")


PROBING_FAILED = ("Your code's results on this question's test inputs are not right yet (the inputs are not shown, "
                  "so that they stay the test's own).")


def preload(imports: str) -> None:
    """Run the course's imports once ahead of the first test (a worker does it when a batch arrives, while it
    waits for the first submission), so that the first learner's test does not pay for importing pandas. An import
    that fails here fails again, and is reported, in the test that needs it."""
    with _LOCK, contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
        exec(compile(imports, "<imports>", "exec"), {"__name__": "__tpm_test__"})  # noqa: S102 - the course's own code


def evaluate(test: CompiledTest, imports: str, fetch: Callable[[list[str]], list], *,
             course: dict | None = None) -> Outcome:
    """Fetch the learner values the test reads, then run it here. `fetch` reads a list of expressions in turn and
    returns their values, or raises FetchFailed at the first that cannot be read.

    `course` holds the replica's values of the course-owned names the test reads."""
    namespace: dict = {"__name__": "__tpm_test__", **{n: (course or {})[n] for n in test.course_names}}
    probing = test.probing
    try:
        values = fetch(list(test.expressions.values())) if test.expressions else []
        namespace.update(zip(test.expressions, values, strict=True))
    except FetchFailed as exc:
        return Outcome("error", PROBING_FAILED if probing else str(exc))
    # The learner's own values of plain names (not calls: a probing test's inputs stay the test's own).
    answer = {e: v for e, v in zip(test.expressions.values(), values, strict=True) if e.isidentifier()} or None
    with _LOCK:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(imports, "<imports>", "exec"), namespace)  # noqa: S102 - the course's own code
                exec(test.code, namespace)  # noqa: S102 - the course's own test, on plain data
        except (CheckFailed, KitError) as exc:
            shown = str(exc).strip() or "This answer is not right yet."
            if probing and not getattr(exc, "value_free", False):
                shown = PROBING_FAILED
            produced = getattr(exc, "produced", None)   # what the answer produced (an SQL answer's rows)
            if produced is not None and answer is not None:
                answer = {**answer, PRODUCED: produced}
            return Outcome("failed", shown, answer)
        except AssertionError as exc:
            return Outcome("failed", _failed_assert(test, exc, probing), answer)
        except Exception as exc:  # noqa: BLE001 - any other failure is this question's error, not the batch's
            return Outcome("error", f"The test could not check your answer ({type(exc).__name__}).")
    # A probing test's printed lines could show learner values: its pass message is the grader's own.
    return Outcome("passed", "Passed." if probing else (printed.getvalue().strip() or "Passed."))
