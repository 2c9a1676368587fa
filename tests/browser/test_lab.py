"""`make lab` serves JupyterLab on 127.0.0.1 with the course: the real command, on a free port,
without opening a browser, checked over HTTP, then stopped."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

from tests.support import ROOT
from tests.support.browser import TOKEN
from tests.support.net import free_port, stop


def get(url: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


def test_make_lab_serves_the_course_on_loopback():
    port = free_port()
    args = f"--no-browser --ServerApp.port={port} --IdentityProvider.token={TOKEN}"
    server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # includes a first-time install if .venv is missing
        while True:
            try:
                status, _ = get(f"{base}/api/status")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()[-2000:]
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        assert status == 200
        status, body = get(f"{base}/api/contents/course/00-start-here.ipynb?content=0")
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, body = get(f"{base}/lab")
        assert status == 200 and b"JupyterLab" in body
        # the landing page opens the start-here lesson
        landing = urllib.request.Request(f"{base}/", headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(landing, timeout=5) as response:
            assert response.geturl().endswith("/lab/tree/course/00-start-here.ipynb")
        # the server root is the repository, so the file browser shows course/ and exercises/
        _, body = get(f"{base}/api/contents")
        assert {"course", "exercises"} <= {item["name"] for item in json.loads(body)["content"]}
        _, body = get(f"{base}/api/kernelspecs")
        assert "python3" in json.loads(body)["kernelspecs"]
    finally:
        stop(server)
