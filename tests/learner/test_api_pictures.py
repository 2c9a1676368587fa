"""tpmkit.api.pictures: the sequence diagram is drawn from the server's record (a real one, and made-up
rows), shows each request and status, marks waits as honoured or too early, and refuses bad input in
one sentence."""

from __future__ import annotations

import time

import pytest
import requests
from matplotlib.figure import Figure

from tpmkit import api
from tpmkit.api.pictures import sequence_diagram
from tpmkit.errors import KitError


def texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.axes[0].texts)


def row(n, sent, status=200, retry_after=None, path="/v1/reports/settlements/2026-01", **extra):
    return {"n": n, "sent": sent, "method": "GET", "path": path, "query": "", "key": "sk", "status": status,
            "retry_after": retry_after, "idempotency_key": None, "replayed": False, **extra}


def test_a_real_record_of_a_polite_client():
    with api.start(quiet=True) as shop:
        auth = {"Authorization": f"Bearer {shop.key}"}
        for month in ["2026-01", "2026-02", "2026-03", "2026-04"]:
            answer = requests.get(f"{shop.url}/v1/reports/settlements/{month}", headers=auth, timeout=10)
            while answer.status_code == 429:
                time.sleep(int(answer.headers["Retry-After"]))
                answer = requests.get(f"{shop.url}/v1/reports/settlements/{month}", headers=auth, timeout=10)
        record = shop.requests(path="/v1/reports")
    fig = sequence_diagram(record)
    assert isinstance(fig, Figure)
    words = texts(fig)
    assert words.count("GET /v1/reports/settlements/") == 5  # four months, one of them twice
    assert words.count("200 OK") == 4 and "429 Too Many Requests" in words and "Retry-After:" in words
    assert "waited" in words and "too early" not in words
    assert "your code" in words and "Tillpoint API" in words


def test_early_retries_are_marked_too_early_and_waits_as_waited():
    rows = [row(1, 0.0), row(2, 0.01, 429, 2), row(3, 0.5, 429, 2), row(4, 2.6, 200)]
    words = texts(sequence_diagram(rows, title="Impatient"))
    assert "came back after 0.49 s: too early" in words and "(told to wait 2 s)" in words
    assert "waited 2.10 s" in words
    assert words.count("t = ") == 4 and "t = 2.60 s" in words


def test_rows_are_drawn_in_the_order_they_were_sent_and_extras_are_labelled():
    rows = [row(2, 1.0, 201, path="/v1/payments", replayed=True, idempotency_key="abcdef123456"),
            row(1, 0.0, 503, 1, path="/v1/payments")]
    fig = sequence_diagram(rows)
    words = texts(fig)
    assert words.index("503 Service Unavailable") < words.index("201 Created")
    assert "(replayed)" in words and "Idempotency-Key abcdef12" in words


def test_long_records_are_cut_with_a_note():
    rows = [row(i, i * 0.01) for i in range(1, 46)]
    fig = sequence_diagram(rows, max_requests=10)
    assert "35 more request(s) not drawn" in texts(fig)
    assert "45 request(s), the first 10 drawn" in fig.axes[0].get_title()


@pytest.mark.parametrize(("rows", "options", "phrase"), [
    ([], {}, "is empty or not a list"),
    ("GET /v1", {}, "is empty or not a list"),
    ([{"sent": 0.0, "method": "GET"}], {}, "needs 'sent', 'method', 'path' and 'status'"),
    ([row(1, "soon")], {}, "needs 'sent', 'method', 'path' and 'status'"),
    ([row(1, 0.0, status="200")], {}, "needs 'sent', 'method', 'path' and 'status'"),
    ([row(1, 0.0)], {"max_requests": 0}, "max_requests is how many requests to draw"),
])
def test_bad_input_is_one_sentence(rows, options, phrase):
    with pytest.raises(KitError) as exc:
        sequence_diagram(rows, **options)
    assert phrase in str(exc.value) and "\n" not in str(exc.value)
