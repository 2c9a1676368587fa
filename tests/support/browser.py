"""Debian's Chromium driven by Playwright, and `make lab` started the way the README says.

Chromium needs these flags when run as root on these machines; Playwright's own browser download is never
used. Under CI=true a missing browser fails the test; elsewhere it skips with the reason."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "tpmkit-browser-token"


def need_browser():
    """Skip (or, under CI=true, fail) when Chromium or Playwright is missing."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run scripts/install-system-packages.sh (Debian package chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing: pip install -e '.[dev]'"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


def make_lab(kit: Path, home: Path, port: int) -> subprocess.Popen:
    """`make lab` as the README says, with only what a test must add: a port, a token, no browser window,
    and throwaway places for the learner's data and JupyterLab's settings."""
    env = {key: value for key, value in os.environ.items() if key != "TPMKIT_PROGRESS"}
    env.update(XDG_DATA_HOME=str(home / "data"), JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"))
    args = f"--no-browser --ServerApp.port={port} --IdentityProvider.token={TOKEN} --LabApp.news_url="
    log = open(home / f"lab-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(["make", "--no-print-directory", "-o", ".venv/.tpmkit-installed", "lab",
                             f"LAB_ARGS={args}"], cwd=kit, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("make lab did not start JupyterLab: " + log.read_text()[-2000:])
            time.sleep(0.5)
