"""Pictures of what happened between a client and the Tillpoint API, drawn from the server's own record.

    from tpmkit.api.pictures import sequence_diagram
    sequence_diagram(shop.requests(path="/v1/reports"))

A sequence diagram has a lane for each side (your code on the left, the API on the right) and time
running down the page. Each request is an arrow to the API, labelled with its method and path; each
response an arrow back, labelled with its status. After a 429 or a 503 that carried Retry-After, a bar
on the client's lane shows how long the client waited before its next request, green when it waited
at least as long as it was told and red when it came back too early.
"""

from __future__ import annotations

import math
from http import HTTPStatus
from numbers import Real

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from tpmkit.errors import KitError

__all__ = ["sequence_diagram"]

_OK, _CLIENT_ERROR, _BACK_OFF, _EARLY = "#1a7f37", "#b35806", "#b42318", "#b42318"
_WAITED = "#1a7f37"
_TOLERANCE = 0.05  # seconds, as tpmkit.api.retry_report allows


def _rows(rows) -> list[dict]:
    if not isinstance(rows, list) or not rows:
        raise KitError("sequence_diagram needs the server's record of some requests, such as "
                       "shop.requests(path=\"/v1/reports\"); this one is empty or not a list.")
    for row in rows:
        ok = (isinstance(row, dict) and isinstance(row.get("sent"), Real) and not isinstance(row.get("sent"), bool)
              and math.isfinite(row["sent"]) and isinstance(row.get("method"), str)
              and isinstance(row.get("path"), str) and isinstance(row.get("status"), int))
        if not ok:
            raise KitError("Each request needs 'sent', 'method', 'path' and 'status', as in shop.requests(); "
                           f"this one does not: {str(row)[:80]}.")
    return sorted(rows, key=lambda r: (r["sent"], r.get("n", 0)))


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _colour(status: int) -> str:
    if status in (429, 503) or status >= 500:
        return _BACK_OFF
    return _OK if status < 400 else _CLIENT_ERROR


def _short(text: str, width: int = 46) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def sequence_diagram(rows: list[dict], *, title: str | None = None, client: str = "your code",
                     server: str = "Tillpoint API", max_requests: int = 30) -> Figure:
    """A sequence diagram of the requests in `rows` (the server's record, as `shop.requests()` returns it).

    Requests are drawn in the order they were sent, one below the other; a longer pause between two
    requests leaves a bigger gap. The left margin gives each request's time since the first one.
    """
    if isinstance(max_requests, bool) or not isinstance(max_requests, int) or not 1 <= max_requests <= 100:
        raise KitError(f"max_requests is how many requests to draw, a whole number from 1 to 100, "
                       f"not {max_requests!r}.")
    ordered = _rows(rows)
    shown, hidden = ordered[:max_requests], len(ordered) - max_requests
    start = shown[0]["sent"]

    # Vertical layout: one unit per request, plus room for each real pause (capped so a long break stays readable).
    y, ys = 0.0, []
    for i, row in enumerate(shown):
        if i:
            y += 1.0 + min(row["sent"] - shown[i - 1]["sent"], 6.0) * 0.9
        ys.append(y)
    bottom = ys[-1] + 1.0

    fig = Figure(figsize=(10, min(2.0 + 0.55 * bottom, 16)), layout="constrained")
    ax = fig.subplots()
    lane_client, lane_server = 0.0, 1.0
    for x, name in ((lane_client, client), (lane_server, server)):
        ax.plot([x, x], [-0.6, bottom], color="#555555", lw=1.2, zorder=1)
        ax.text(x, -0.75, name, ha="center", va="bottom", fontsize="medium", fontweight="bold",
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#f0f0f0", "edgecolor": "#555555"})

    for i, (row, top) in enumerate(zip(shown, ys, strict=True)):
        request = f"{row['method']} {row['path']}" + (f"?{row['query']}" if row.get("query") else "")
        if row.get("idempotency_key"):
            request += f"  (Idempotency-Key {str(row['idempotency_key'])[:8]}…)"
        ax.add_patch(FancyArrowPatch((lane_client, top), (lane_server, top + 0.3), arrowstyle="-|>",
                                     mutation_scale=12, color="#333333", lw=1.2, zorder=2))
        ax.text(0.5, top + 0.1, _short(request, 60), ha="center", va="bottom", fontsize="small", rotation=-2)
        status, colour = row["status"], _colour(row["status"])
        answer = _status_text(status)
        if row.get("retry_after") is not None:
            answer += f"   Retry-After: {row['retry_after']} s"
        if row.get("replayed"):
            answer += "   (replayed)"
        ax.add_patch(FancyArrowPatch((lane_server, top + 0.45), (lane_client, top + 0.75), arrowstyle="-|>",
                                     mutation_scale=12, color=colour, lw=1.4, ls="--", zorder=2))
        ax.text(0.5, top + 0.55, answer, ha="center", va="bottom", fontsize="small", color=colour, rotation=2)
        ax.text(-0.7, top, f"t = {row['sent'] - start:.2f} s", ha="left", va="center", fontsize="small",
                color="#555555")

        following = shown[i + 1] if i + 1 < len(shown) else None
        if row.get("retry_after") is not None and status in (429, 503) and following is not None:
            waited = following["sent"] - row["sent"]
            early = waited + _TOLERANCE < float(row["retry_after"])
            bar = _EARLY if early else _WAITED
            y0, y1 = top + 0.8, ys[i + 1] - 0.05
            ax.plot([lane_client - 0.03, lane_client - 0.03], [y0, y1], color=bar, lw=4, solid_capstyle="butt")
            said = f"told to wait {row['retry_after']} s"
            note = f"came back after {waited:.2f} s: too early" if early else f"waited {waited:.2f} s"
            ax.text(lane_client - 0.05, (y0 + y1) / 2, f"{note}\n({said})", ha="right", va="center",
                    fontsize="x-small", color=bar)

    if hidden > 0:
        ax.text(0.5, bottom, f"... and {hidden} more request(s) not drawn", ha="center", va="top",
                fontsize="small", style="italic")
    ax.set_xlim(-0.72, 1.15)
    ax.set_ylim(bottom + 0.4, -1.3)
    ax.axis("off")
    counts = f"{len(ordered)} request(s)" + (f", the first {len(shown)} drawn" if hidden > 0 else "")
    ax.set_title(title or f"What the API saw: {counts}, time running down the page", fontsize="medium")
    return fig
