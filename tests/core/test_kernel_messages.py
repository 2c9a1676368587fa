"""autograder.kernel without a kernel process: the message checks, the fetch program and the decoding of what
it prints, the stand-ins for values that are not plain data, and the limits.

tests/grading/test_kernel_fetch.py reads values from a real sandboxed kernel (three cases) and the fuzz test in
test_grade_trust_boundary sends random messages through a whole grading run. Here each rule is checked on
its own: `_FETCH` runs in a plain namespace standing in for the learner's (a fake `execute`), and `execute`
reads scripted messages from fake channels, so a wrong shape, a forged parent, a flood, an error reply or a
time-out can each be seen to do exactly what it should."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autograder import kernel
from autograder.kernel import CellResult, FetchFailed, NotPlain, revive

# --- revive: the kernel's JSON back into plain values --------------------------------------------------------------


def plain_only(value) -> bool:
    """Only None, bool, int, float, str, lists, str-keyed dicts and stand-ins."""
    if value is None or type(value) in (bool, int, float, str) or isinstance(value, NotPlain):
        return True
    if type(value) is list:
        return all(plain_only(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and plain_only(v) for k, v in value.items())
    return False


def test_plain_json_comes_back_as_it_was():
    data = {"a": [1, 2.5, None, True, "x"], "b": {"c": []}}
    assert revive(json.loads(json.dumps(data))) == data


@pytest.mark.parametrize("type_name, expected", [
    ("Timestamp", "Timestamp"),
    ("Time stamp<img src=x onerror=alert(1)>", "Timestampimgsrcxonerroralert1"),
    ("__class__); import os", "__class__importos"),
    ("", "object"),
    ("!!!", "object"),
    ("x" * 100, "x" * 60),
    (7, "7"),
    (["list"], "list"),
], ids=["plain", "html", "code", "empty", "symbols", "long", "int", "list"])
def test_a_stand_in_is_named_after_the_type_with_only_safe_characters(type_name, expected):
    stand_in = revive({"__tpm_type__": type_name})
    assert isinstance(stand_in, NotPlain) and type(stand_in).__name__ == expected
    assert repr(stand_in) == f"<{expected} (not plain data)>"


def test_stand_ins_equal_nothing_but_themselves():
    a, b = revive({"__tpm_type__": "Anything"}), revive({"__tpm_type__": "Anything"})
    assert a != b and type(a) is not type(b)
    assert all(a != plain for plain in (0, 1, 0.0, "", "Anything", None, True, [], {}))


def test_a_frame_arrives_as_its_records():
    assert revive({"__tpm_frame__": [{"a": 1}, {"a": 2}]}) == [{"a": 1}, {"a": 2}]


def test_a_learner_dict_with_a_marker_key_and_others_stays_a_dict():
    value = revive({"__tpm_type__": "x", "__tpm_frame__": [1], "k": 2})
    assert value == {"__tpm_type__": "x", "__tpm_frame__": [1], "k": 2}


def test_json_nested_past_the_depth_limit_becomes_a_stand_in():
    deep: list = []
    for _ in range(kernel.MAX_DEPTH + 5):
        deep = [deep]
    value = revive(deep)
    for _ in range(kernel.MAX_DEPTH + 1):
        value = value[0]
    assert type(value).__name__ == "too_deep"
    shallow: list = []
    for _ in range(kernel.MAX_DEPTH - 1):
        shallow = [shallow]
    assert revive(shallow) == shallow


def test_random_json_always_revives_to_plain_data():
    import random

    rng = random.Random(1234)
    atoms = [None, True, False, 0, -1, 2**70, 1.5, float("inf"), "", "x", "__tpm_type__", "__tpm_frame__"]

    def junk(depth=0):
        roll = rng.random()
        if depth > 4 or roll < 0.4:
            return rng.choice(atoms)
        if roll < 0.6:
            return [junk(depth + 1) for _ in range(rng.randint(0, 3))]
        if roll < 0.7:
            return {rng.choice(["__tpm_type__", "__tpm_frame__"]): junk(depth + 1)}
        return {rng.choice(atoms[8:] + ["k", "1"]): junk(depth + 1) for _ in range(rng.randint(0, 3))}

    for _ in range(500):
        text = json.dumps(junk())
        assert plain_only(revive(json.loads(text))), text


# --- _explain: why a value could not be read -------------------------------------------------------------------------

@pytest.mark.parametrize("ename, message, expected", [
    ("NameError", "name 'total' is not defined", "total is not defined."),
    ("ZeroDivisionError", "division by zero", "total could not be read: it raised ZeroDivisionError."),
    ("KeyboardInterrupt", "", "total could not be read: it raised KeyboardInterrupt."),
    ("MyError", "SECRET", "total could not be read: it raised an exception of its own."),
    ("ValueError<script>", "", "total could not be read: it raised an exception of its own."),
])
def test_only_pythons_own_exception_names_are_repeated(ename, message, expected):
    assert kernel._explain("total", ename, message) == expected


# --- _receive: only well-formed answers to our own request --------------------------------------------------------

class Channel:
    """A channel that hands out scripted messages (an Exception in the script is raised by get_msg)."""

    def __init__(self, messages=(), fd: int = -1):
        self.messages = list(messages)
        self.socket = fd

    def msg_ready(self) -> bool:
        return bool(self.messages)

    def get_msg(self, timeout=0):
        message = self.messages.pop(0)
        if isinstance(message, Exception):
            raise message
        return message


def msg(kind, content, parent="m1") -> dict:
    return {"msg_type": kind, "content": content, "parent_header": {"msg_id": parent} if parent else {}}


@pytest.mark.parametrize("message", [
    msg("stream", {"text": "x"}, parent="someone-else"),
    msg("stream", {"text": "x"}, parent=None),
    {"msg_type": "stream", "content": {}, "parent_header": "m1"},
    {"msg_type": "stream", "content": {}, "parent_header": {"msg_id": ["m1"]}},
    {"msg_type": 5, "content": {}, "parent_header": {"msg_id": "m1"}},
    {"msg_type": "stream", "content": ["x"], "parent_header": {"msg_id": "m1"}},
    ["not", "a", "dict"],
    ValueError("cannot decode"),
])
def test_a_message_not_for_us_or_of_the_wrong_shape_is_dropped(message):
    assert kernel._receive(Channel([message]), "m1") == (None, {})


def test_a_message_for_us_is_read_and_a_set_of_ids_is_allowed():
    assert kernel._receive(Channel([msg("stream", {"text": "x"})]), "m1") == ("stream", {"text": "x"})
    assert kernel._receive(Channel([msg("status", {}, parent="m2")]), {"m1", "m2"}) == ("status", {})


# --- output shapes and sizes --------------------------------------------------------------------------------------

def test_outputs_are_built_in_nbformats_shapes():
    assert kernel._output("stream", {"name": "stdout", "text": "hi"}) == {"output_type": "stream", "name": "stdout",
                                                                          "text": "hi"}
    assert kernel._output("error", {"ename": "E"}) == {"output_type": "error", "ename": "E", "evalue": "",
                                                       "traceback": []}
    shown = kernel._output("display_data", {"data": {"text/plain": "1"}})
    assert shown == {"output_type": "display_data", "data": {"text/plain": "1"}, "metadata": {}}


@pytest.mark.parametrize("count, kept", [(3, 3), (True, None), ("3", None), (None, None), (2.0, None)])
def test_an_execution_count_is_an_int_or_none(count, kept):
    assert kernel._output("execute_result", {"data": {}, "execution_count": count})["execution_count"] == kept


def test_an_output_too_odd_to_measure_counts_as_a_flood():
    circular: dict = {}
    circular["self"] = circular
    assert kernel._size(circular) > kernel.OUTPUT_LIMIT
    assert kernel._size({"text": "abc"}) == len('{"text": "abc"}')
    assert kernel._size({"when": object()}) < 100   # not JSON, but measurable: shown as its str


def test_printable_drops_control_characters_and_caps_length():
    assert kernel._printable("a\x1b[2Jb\x00c\nd\te\u202e", 100) == "a[2Jbc\nd\te"
    assert kernel._printable("x" * 50, 10) == "x" * 10
    assert kernel._printable(12, 10) == "12"


# --- fetch: the program it runs in the learner's kernel, and the decoding of what it prints ----------------------

class Learner(kernel.Kernel):
    """A Kernel whose `execute` runs code in a plain dict (the learner's globals) in this process."""

    def __init__(self, namespace: dict | None = None, *, mangle=None, status: str | None = None):
        super().__init__(Path("/nonexistent/scratch"), Path("/nonexistent/private"), slot=0)
        self.namespace = {"__name__": "__main__"} if namespace is None else namespace
        self.mangle, self.status = mangle, status
        self.requests: list[tuple[str, int]] = []

    def execute(self, code, timeout, *, limit=kernel.OUTPUT_LIMIT):
        self.requests.append((code, limit))
        printed = io.StringIO()
        result = CellResult("ok")
        try:
            with contextlib.redirect_stdout(printed):
                exec(code, self.namespace)  # noqa: S102 - the fetch program, in a stand-in for the learner's kernel
        except Exception as exc:  # noqa: BLE001 - reported as the kernel would
            result = CellResult("error", ename=type(exc).__name__, evalue=str(exc))
        text = printed.getvalue()
        if self.mangle is not None:
            text = self.mangle(text)
        result.outputs = [{"output_type": "stream", "name": "stdout", "text": text}]
        if self.status:
            result.status = self.status
        return result


def learner(source: str = "", **options) -> Learner:
    k = Learner(**options)
    exec(source, k.namespace)  # noqa: S102 - the learner's cells
    return k


def test_values_come_back_plain_in_the_order_asked():
    k = learner("total = 3\nrate = 0.5\nname = 'x'\nrows = ({'a': (1, 2)},)\nflag = None\n"
                "def double(n):\n    return 2 * n\n")
    assert k.fetch(["total", "rate", "name", "rows", "flag", "double(21)"], 5) == [3, 0.5, "x", [{"a": [1, 2]}],
                                                                                   None, 42]
    assert len(k.requests) == 1


def test_the_fetch_program_reads_the_learners_own_names_and_leaves_none_behind():
    """Names the program might use for itself (value, out, json, read, plain) are the learner's."""
    k = learner("value, out, plain, exc, json, read, depth, t, v = range(9)")
    before = dict(k.namespace)
    assert k.fetch(["value", "out", "plain", "exc", "json", "read", "depth", "t", "v"], 5) == list(range(9))
    assert k.namespace.keys() == before.keys()


def test_values_that_are_not_plain_arrive_as_named_stand_ins():
    k = learner("import datetime\nclass Odd: pass\nwhen = datetime.date(2026, 1, 1)\nodd = Odd()\n"
                "keys = {1: 'a'}\nitems = {1, 2}\nf = len\n")
    names = [type(v).__name__ for v in k.fetch(["when", "odd", "keys", "items", "f"], 5)]
    assert names == ["date", "Odd", "dict_with_non_text_keys", "set", "builtin_function_or_method"]


def test_numpy_scalars_and_frames_arrive_as_plain_values_and_arrays_do_not():
    k = learner("")
    k.namespace.update(total=np.int64(7), rate=np.float64(0.25), ok=np.bool_(True),
                       frame=pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), array=np.array([1, 2]))
    total, rate, ok, frame, array = k.fetch(["total", "rate", "ok", "frame", "array"], 5)
    assert (total, rate, ok) == (7, 0.25, True) and (type(total), type(rate), type(ok)) == (int, float, bool)
    assert frame == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    assert isinstance(array, NotPlain) and type(array).__name__ == "ndarray"


def test_an_object_that_equals_everything_arrives_as_a_stand_in():
    k = learner("class Liar(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
                "total = Liar(1)\n")
    (total,) = k.fetch(["total"], 5)
    assert isinstance(total, NotPlain) and total != 4321


def test_a_value_nested_too_deep_for_the_kernel_side_becomes_a_stand_in():
    k = learner("deep = []\nfor _ in range(30):\n    deep = [deep]\n")
    (deep,) = k.fetch(["deep"], 5)
    for _ in range(21):
        deep = deep[0]
    assert type(deep).__name__ == "too_deep"


def test_the_first_value_that_cannot_be_read_stops_the_request():
    k = learner("calls = []\ndef f(x):\n    calls.append(x)\n    return x\n")
    with pytest.raises(FetchFailed, match=r"^missing is not defined\.$"):
        k.fetch(["f(1)", "missing", "f(2)"], 5)
    assert k.namespace["calls"] == [1]


def test_a_learner_exception_is_named_only_when_it_is_pythons_own():
    k = learner("class Secret(Exception): pass\ndef boom():\n    raise Secret('HIDDEN-INPUT 7')\n"
                "def zero():\n    return 1 / 0\n")
    with pytest.raises(FetchFailed) as info:
        k.fetch(["boom()"], 5)
    assert str(info.value) == "boom() could not be read: it raised an exception of its own."
    with pytest.raises(FetchFailed, match=r"^zero\(\) could not be read: it raised ZeroDivisionError\.$"):
        k.fetch(["zero()"], 5)


def test_a_learner_who_prints_the_requests_own_nonce_first_cannot_forge_the_answer():
    """Learner code that runs during the fetch can find the nonce on the stack; the program's own line, printed
    last, is the one read."""
    k = learner("import sys\n"
                "def noisy():\n"
                "    frame = sys._getframe(2)   # noisy <- the fetch's lambda <- the fetch program\n"
                "    nonce = next(c for c in frame.f_code.co_consts if isinstance(c, str) and c.startswith('TPM'))\n"
                "    print(nonce + '[{\"value\": 99}]')\n"
                "    return 1\n")
    assert k.fetch(["noisy()"], 5) == [1]
    k.fetch(["noisy()"], 5)
    nonces = [code.split('print("', 1)[1].split('"', 1)[0] for code, _ in k.requests]
    assert nonces[0] != nonces[1] and all(n.startswith("TPM") for n in nonces)


def test_a_learner_who_silences_print_gets_a_read_failure_not_a_value():
    k = learner("def print(*args, **kwargs):\n    pass\ntotal = 3\n")
    with pytest.raises(FetchFailed, match=r"^total could not be read from your notebook \(its output was changed\)$"):
        k.fetch(["total"], 5)


def test_output_split_over_several_stream_messages_is_joined():
    class Split(Learner):
        def execute(self, code, timeout, *, limit=kernel.OUTPUT_LIMIT):
            result = super().execute(code, timeout, limit=limit)
            text = result.outputs[0]["text"]
            result.outputs = [{"output_type": "stream", "name": "stdout", "text": text[i:i + 7]}
                              for i in range(0, len(text), 7)] + [{"output_type": "display_data", "data": {}}]
            return result

    k = Split()
    k.namespace["rows"] = [{"a": i} for i in range(20)]
    assert k.fetch(["rows"], 5) == [k.namespace["rows"]]


@pytest.mark.parametrize("status", ["timeout", "died"])
def test_a_fetch_that_does_not_finish_says_so(status):
    k = learner("total = 3", status=status)
    with pytest.raises(FetchFailed, match=rf"^reading total from your notebook did not finish \({status}\)$"):
        k.fetch(["total"], 5)
    with pytest.raises(FetchFailed, match=r"^reading the values this question reads from your notebook did not"):
        k.fetch(["total", "total"], 5)


def _replace_payload(new: str):
    def mangle(text: str) -> str:
        nonce = text[:text.index(":") + 1]
        return nonce + new + "\n"
    return mangle


@pytest.mark.parametrize("payload", [
    "not json", "", "{}", "[]", "[1]", '[{"value": 1}, {"value": 2}]', "[" * 100_000 + "]" * 100_000,
    '[{"value": ' + "1" * 5000 + "}]",
])
def test_a_payload_of_the_wrong_shape_is_a_read_failure(payload):
    k = learner("total = 3", mangle=_replace_payload(payload))
    with pytest.raises(FetchFailed, match=r"^total could not be read from your notebook$"):
        k.fetch(["total"], 5)


def test_a_payload_past_the_fetch_limit_is_too_large(monkeypatch):
    monkeypatch.setattr(kernel, "FETCH_LIMIT", 100)
    k = learner("total = 'x' * 200\nsmall = 'x' * 50")
    assert k.fetch(["small"], 5) == ["x" * 50]
    with pytest.raises(FetchFailed, match=r"^total is too large to be an answer$"):
        k.fetch(["total"], 5)
    assert k.requests[-1][1] == 100 + 1_000     # the output limit asked of execute grows with the cap
    k.fetch(["small", "small"], 5)
    assert k.requests[-1][1] == 200 + 1_000


def test_a_huge_learner_int_is_a_read_failure_not_a_hang():
    k = learner("total = 10 ** 5000")
    with pytest.raises(FetchFailed):
        k.fetch(["total"], 5)


def test_the_fetch_program_puts_each_expression_in_its_own_lambda():
    k = learner("a, b = 1, 2")
    k.fetch(["a", "b"], 5)
    code = k.requests[0][0]
    assert "lambda: (a),\nlambda: (b),\n" in code and "EXPRS" not in code and "NONCE" not in code


# --- execute: messages from fake channels --------------------------------------------------------------------------

@pytest.fixture
def ready_fd():
    """A file descriptor that always polls readable, so the driver never waits on its poller."""
    read, write = os.pipe()
    os.write(write, b"x")
    yield read
    os.close(read)
    os.close(write)


class Client:
    def __init__(self, fd: int, shell=(), iopub=()):
        self.shell_channel, self.iopub_channel = Channel(shell, fd), Channel(iopub, fd)
        self.sent: list = []
        self.session = self
        self.control_channel = self

    def execute(self, code, **options):
        return "m1"

    def msg(self, kind, content):   # session.msg
        return {"msg_type": kind}

    def send(self, message):        # control_channel.send
        self.sent.append(message["msg_type"])


def driven(client: Client) -> kernel.Kernel:
    k = kernel.Kernel(Path("/nonexistent/scratch"), Path("/nonexistent/private"), slot=0)
    k.client = client
    k.alive = lambda: k.client is not None
    return k


OK_REPLY = msg("execute_reply", {"status": "ok"})
IDLE = msg("status", {"execution_state": "idle"})


def test_outputs_for_our_request_are_kept_in_order_and_others_dropped(ready_fd):
    client = Client(ready_fd, shell=[OK_REPLY], iopub=[
        msg("status", {"execution_state": "busy"}),
        msg("stream", {"name": "stdout", "text": "one\n"}),
        msg("stream", {"name": "stdout", "text": "FORGED\n"}, parent="other"),
        msg("execute_input", {"code": "x"}),
        msg("execute_result", {"data": {"text/plain": "2"}, "metadata": {}, "execution_count": 1}),
        "garbage",
        IDLE])
    result = driven(client).execute("x", 5)
    assert result.status == "ok" and not result.flooded
    assert [o["output_type"] for o in result.outputs] == ["stream", "execute_result"]
    assert result.outputs[0]["text"] == "one\n"


def test_an_error_reply_is_an_error_with_printable_names(ready_fd):
    reply = msg("execute_reply", {"status": "error", "ename": "Bad\x1b[2J" + "E" * 200, "evalue": "v\x00" * 400})
    result = driven(Client(ready_fd, shell=[reply], iopub=[IDLE])).execute("x", 5)
    assert result.status == "error"
    assert result.ename == "Bad[2J" + "E" * 93 and result.ename.isprintable()
    assert result.evalue == "v" * 250


def test_the_status_comes_from_the_shell_reply_not_from_error_outputs(ready_fd):
    """A learner can print an error output and still have run fine; only the reply says how the cell ended."""
    fake_error = msg("error", {"ename": "AssertionError", "evalue": "", "traceback": []})
    result = driven(Client(ready_fd, shell=[OK_REPLY], iopub=[fake_error, IDLE])).execute("x", 5)
    assert result.status == "ok" and result.outputs[0]["output_type"] == "error"


def test_output_past_the_limit_is_cut_with_a_note_and_flagged(ready_fd):
    chunk = msg("stream", {"name": "stdout", "text": "x" * 40})
    size = kernel._size(chunk["content"])
    result = driven(Client(ready_fd, shell=[OK_REPLY], iopub=[chunk] * 10 + [IDLE])).execute("x", 5, limit=2 * size + 5)
    assert result.flooded and result.status == "ok"
    assert [o["text"] for o in result.outputs] == ["x" * 40, "x" * 40,
                                                   "\n[output cut here: too long for the graded notebook]\n"]


def test_a_kernel_that_is_gone_is_died_without_asking_it_anything(ready_fd):
    k = driven(Client(ready_fd))
    k.alive = lambda: False
    assert k.execute("x", 5) == CellResult("died", ename="KernelDied", evalue="the kernel is not running")


def test_a_lost_connection_is_died(ready_fd):
    import zmq

    client = Client(ready_fd)
    client.execute = lambda code, **options: (_ for _ in ()).throw(zmq.ZMQError())
    result = driven(client).execute("x", 5)
    assert (result.status, result.evalue) == ("died", "the connection to the kernel was lost")


def test_a_cell_past_its_time_is_interrupted_then_stopped_and_is_a_timeout(ready_fd, monkeypatch):
    monkeypatch.setattr(kernel, "INTERRUPT_GRACE", 0.0)
    client = Client(ready_fd)
    k = driven(client)
    result = k.execute("while True: pass", 0)
    assert result.status == "timeout" and client.sent == ["interrupt_request"]
    assert k.client is None, "a kernel that would not stop is stopped"


def test_an_interrupted_cell_is_a_timeout_even_when_its_reply_says_error(ready_fd, monkeypatch):
    monkeypatch.setattr(kernel, "INTERRUPT_GRACE", 60.0)
    reply = msg("execute_reply", {"status": "error", "ename": "KeyboardInterrupt", "evalue": ""})
    client = Client(ready_fd, iopub=[IDLE])
    k = driven(client)
    original = client.send

    def send(message):   # the kernel answers the interrupt with its reply
        original(message)
        client.shell_channel.messages.append(reply)

    client.send = send
    result = k.execute("x", 0)
    assert result.status == "timeout" and client.sent == ["interrupt_request"] and k.client is not None


def test_a_reply_without_an_idle_status_ends_after_the_grace_time(ready_fd, monkeypatch):
    monkeypatch.setattr(kernel, "REPLY_GRACE", 0.0)
    late = msg("stream", {"name": "stdout", "text": "late"})
    client = Client(ready_fd, shell=[OK_REPLY], iopub=[late])
    result = driven(client).execute("x", 5)
    assert result.status == "ok" and [o["text"] for o in result.outputs] == ["late"]


def test_the_limits_are_ordered_as_the_driver_needs():
    """An output cap below the fetch cap, and one kernel message able to hold a whole fetched value."""
    assert kernel.OUTPUT_LIMIT < kernel.FETCH_LIMIT < kernel.MESSAGE_LIMIT
    assert kernel.MAX_DEPTH > 20   # the kernel side cuts at 20: deeper JSON is already a lie


def test_a_stand_in_has_no_truth_of_its_own_so_a_bare_assert_cannot_pass_on_it():
    from autograder import trusted

    stand_in = revive({"__tpm_type__": "ndarray"})
    with pytest.raises(TypeError, match="truth of a ndarray"):
        bool(stand_in)
    compiled = trusted.compile_test("assert flag", "")
    outcome = trusted.evaluate(compiled, "", lambda expressions: [stand_in for _ in expressions])
    assert outcome.status == "error", outcome
