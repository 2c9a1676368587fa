"""`tpm-grade`: the instructor's command line. Each subcommand is a thin call into a module's main()."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import notebooks, release

KIT_ROOT = Path(__file__).resolve().parent.parent


def _strip(args) -> int:
    for path in args.paths:
        nb = notebooks.read(path)
        notebooks.write(notebooks.strip(nb), path)
        print(f"stripped {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tpm-grade", description="Release and grade TPM Kit exercises.")
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="regenerate exercises/ID/ from solutions/ID/ with nbgrader")
    rel.add_argument("ids", nargs="*", help="assignment ids such as 07-slos (default: all)")
    rel.add_argument("--course", type=Path, default=KIT_ROOT, help="course root (default: this kit)")
    rel.add_argument("--dest", type=Path, default=None, help="where to write (default: COURSE/exercises)")
    rel.set_defaults(run=lambda a: release.main(root=a.course, ids=a.ids, dest=a.dest))

    strip = sub.add_parser("strip", help="remove outputs and editor metadata from notebooks before committing")
    strip.add_argument("paths", nargs="+", type=Path)
    strip.set_defaults(run=_strip)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (release.ReleaseError, FileNotFoundError, ValueError) as exc:
        print(f"tpm-grade {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
