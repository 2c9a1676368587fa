"""A picture of branch histories: several sandbox repositories, one row each."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from tpmkit.errors import KitError
from tpmkit.git_sandbox.sandbox import Sandbox

__all__ = ["history_figure"]


def _history(repo: Sandbox) -> tuple[list[tuple[str, list[str], str]], dict[str, str]]:
    """Commits oldest first as (hash, parents, subject), and branch name -> tip hash."""
    log = repo._must(["log", "--branches", "--date-order", "--reverse", "--format=%H %P%x09%s"])
    commits = []
    for line in log.splitlines():
        hashes, subject = line.split("\t", 1)
        first, *parents = hashes.split()
        commits.append((first, parents, subject))
    refs = repo._must(["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"])
    return commits, dict(line.split() for line in refs.splitlines())


class _Picture(Figure):
    """A Figure that Jupyter shows as an image even before pyplot has set up inline plotting."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def history_figure(repos: dict[str, Sandbox]) -> Figure:
    """Draw the branch histories of several practice repositories, one row each (title -> repository).

    Main's own line of commits runs along the bottom; other branches' commits sit above it. A
    diamond is a merge commit (two parents). Each row's title says how many commits main holds.
    """
    if not isinstance(repos, dict) or not repos or not all(isinstance(r, Sandbox) for r in repos.values()):
        raise KitError("repos must be a dict of practice repositories, such as {'merge': repo1, 'squash': repo2}.")
    fig = _Picture(figsize=(10, 1.9 * len(repos) + 0.4), layout="constrained")
    axes = fig.subplots(len(repos), 1, squeeze=False)[:, 0]
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
    for ax, (title, repo) in zip(axes, repos.items(), strict=True):
        commits, tips = _history(repo)
        index = {sha: i for i, (sha, _, _) in enumerate(commits)}
        parents = {sha: ps for sha, ps, _ in commits}
        lane: dict[str, int] = {}
        order = ["main"] + sorted(b for b in tips if b != "main")
        for n, branch in enumerate(b for b in order if b in tips):
            sha = tips[branch]
            while sha in index and sha not in lane:
                lane[sha] = n
                sha = parents[sha][0] if parents[sha] else None
        for sha, ps, subject in commits:
            x, y = index[sha], lane.get(sha, 1)
            for p in ps:
                if p in index:
                    ax.plot([index[p], x], [lane.get(p, 1), y], color="#999999", lw=1.5, zorder=1)
            merge = len(ps) > 1
            ax.scatter([x], [y], s=110 if merge else 70, marker="D" if merge else "o",
                       color=colours[y % len(colours)], zorder=2, edgecolor="black", linewidth=0.6)
            ax.annotate(subject if len(subject) <= 26 else subject[:25] + "…", (x, y), textcoords="offset points",
                        xytext=(0, 9), rotation=22, fontsize=7, ha="left", va="bottom")
        names: dict[str, list[str]] = {}
        for branch, sha in tips.items():
            names.setdefault(sha, []).append(branch)
        for sha, branches in names.items():
            if sha in index:
                ax.annotate(", ".join(sorted(branches)), (index[sha], lane.get(sha, 1)), textcoords="offset points",
                            xytext=(8, -12), fontsize=8, fontweight="bold",
                            color=colours[lane.get(sha, 1) % len(colours)])
        on_main = int(repo._must(["rev-list", "--count", "main"]).strip())
        ax.set_title(f"{title}: main holds {on_main} commits", loc="left", fontsize=10)
        ax.set_xlim(-0.5, len(commits) + 1.5)
        ax.set_ylim(-0.6, max(lane.values(), default=0) + 1.4)
        ax.set_yticks([])
        ax.set_xticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlabel("older  →  newer (one dot per commit; ◆ = merge commit with two parents)")
    return fig
