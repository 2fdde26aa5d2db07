"""Helpers shared by the bench scripts: a scratch database, gunicorn, wrk."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent


def scratch_env(name: str, database_url: str | None = None) -> dict:
    """Environment for a fresh instance folder (SQLite file and search index) under bench/out."""
    instance = OUT / name
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(parents=True)
    env = dict(os.environ, INSTANCE_DIR=str(instance), FLASK_APP="storefront")
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def flask(env: dict, *args: str) -> float:
    """Run a flask command; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, app: str, workers: int = 2):
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        env=env, cwd=ROOT,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on port {port}")


def requests_per_second(url: str, seconds: int = 10, connections: int = 8) -> float:
    """Load one URL with wrk (Debian package `wrk`) for a bounded time; return req/s."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench needs wrk: apt-get install wrk")
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True, text=True, check=True,
    )
    if "Non-2xx" in result.stdout:
        raise RuntimeError(f"{url} answered errors under load:\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return median(ordered), ordered[int(len(ordered) * 0.95) - 1]
