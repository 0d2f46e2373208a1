"""With no DATABASE_URL a fresh clone starts its own PostgreSQL: prove it from an empty folder."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_fresh_clone_without_database_url_migrates_and_serves_the_comparison(tmp_path):
    pytest.importorskip("pgserver")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"SHIPSKIP_DATA_DIR": str(tmp_path / "data"), "DJANGO_DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*manage, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate", "--noinput")
    assert "created" in run("load_demo")
    assert "created 0 categories" in run("load_demo"), "loading twice creates nothing"
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()

    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/compare/code-llama-4-vs-mistral-3-small/"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    pytest.fail(f"the server never answered: {server.stderr.read()}")
                time.sleep(0.3)
        assert "Ship · 4 ship / 0 skip" in body
        assert "Code Llama 4 (70B &amp; 400B)" in body
    finally:
        server.terminate()
        server.wait(timeout=30)
