"""The `onewindow` command as a new user runs it: a demo city, then the site served."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ONEWINDOW_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="onewindow.config.settings.base",
    )
    return env


def _onewindow(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "onewindow", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_builds_a_city_prints_sign_ins_and_serves(tmp_path):
    env = _env(tmp_path)
    # when a new user builds the demo city (small, and without serving)
    out = _onewindow("demo", "--no-serve", "--persons", "400", env=env)
    # then one user per role is printed with a password, staff with a TOTP secret
    for role in (
        "administrator",
        "officer",
        "station_staff",
        "supervisor",
        "analyst",
        "employer",
        "resident",
    ):
        assert re.search(rf"^\s+{role}\s+\S+\s+\S+", out, re.M), role
    assert re.search(r"^\s+officer\s+officer\s+\S+\s+[A-Z2-7]{16,}$", out, re.M)
    assert (tmp_path / "demo-users.txt").read_text(encoding="utf-8") in out
    # and the audit chain of the whole build is intact
    assert "intact" in _onewindow("audit", "verify", env=env)
    # and `onewindow totp` gives the officer's current code
    assert re.fullmatch(r"\d{6}\n", _onewindow("totp", "officer", env=env))

    # when the site is served
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "onewindow", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:
                    body = r.read().decode()
                    headers = r.headers
                break
            except OSError:
                time.sleep(0.2)
        # then the sign-in page and its static files are served, with security headers
        assert "csrfmiddlewaretoken" in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        css = re.search(r'href="(/static/[^"]+\.css)"', body).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css}") as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
