"""`tpm-api`: run the Tillpoint API on its own, in the foreground, until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time

from tpmkit.errors import KitError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tpm-api", description="Serve the course's Tillpoint API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks one)")
    args = parser.parse_args(argv)
    from tpmkit.api.server import start

    try:
        server = start(port=args.port, strict_port=True)  # a client may be set up for this port: never another
    except KitError as exc:
        print(f"tpm-api: {exc}", file=sys.stderr)
        return 2
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
