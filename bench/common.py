"""Helpers shared by the bench scripts: a scratch database, the app in process, gunicorn, wrk,
and the figures' record in bench/RESULTS.md."""
from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import NamedTuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "RESULTS.md"


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


def postgres(command: str, url: str) -> None:
    parts = urlsplit(url)
    subprocess.run(
        [command, "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "postgres", *(["--if-exists", "--force"] if command == "dropdb" else []),
         parts.path.lstrip("/")],
        check=True,
    )


@contextmanager
def scratch_database(name: str, database: str, url: str):
    """A fresh, migrated database: a SQLite file under bench/out, or the scratch PostgreSQL
    database `url` dropped and created again. Yields (env, url); removed afterwards."""
    env = scratch_env(name, url if database == "postgresql" else None)
    if database == "postgresql":
        postgres("dropdb", url)
        postgres("createdb", url)
    else:
        url = f"sqlite:///{env['INSTANCE_DIR']}/ocop.db"
    try:
        flask(env, "db", "upgrade")
        yield env, url
    finally:
        if database == "postgresql":
            postgres("dropdb", url)
        shutil.rmtree(env["INSTANCE_DIR"], ignore_errors=True)  # 10 million sale lines take gigabytes


def database_label(database: str, url: str) -> str:
    if database == "postgresql":
        return f"PostgreSQL {postgres_version(url).split()[0]}"
    return f"SQLite {sqlite3.sqlite_version}"


def in_process_app(env: dict, url: str):
    os.environ.update(INSTANCE_DIR=env["INSTANCE_DIR"])
    from config import Config, database_url
    from storefront import create_app

    Config.SQLALCHEMY_DATABASE_URI = database_url(url)
    Config.SEARCH_INDEX_DIR = f"{env['INSTANCE_DIR']}/search-index"
    return create_app(Config)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(NamedTuple):
    url: str
    pid: int  # gunicorn's master: its children are the workers, whose CPU time a bench may read


@contextmanager
def gunicorn(env: dict, app: str, workers: int = 2, threads: int = 1):
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        env=env, cwd=ROOT,
    )
    try:
        wait_for_port(port)
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def workers_cpu_seconds(pid: int) -> float:
    """CPU time used so far by the processes `pid` started (gunicorn's workers), from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for child in children:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on port {port}")


def requests_per_second(url: str, seconds: int = 10, connections: int = 8, headers: tuple[str, ...] = ()) -> float:
    """Load one URL with wrk (Debian package `wrk`) for a bounded time, each request with these
    headers ("Name: value"); return req/s."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench needs wrk: apt-get install wrk")
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", *(arg for header in headers for arg in ("-H", header)), url],
        capture_output=True, text=True, check=True,
    )
    if "Non-2xx" in result.stdout:
        raise RuntimeError(f"{url} answered errors under load:\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    # The bench shares the machine with whatever else runs: the load says how much.
    return (f"{platform.node()} · {cpu} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} at start · "
            f"Python {platform.python_version()}")


def postgres_version(url: str) -> str:
    parts = urlsplit(url)
    return subprocess.run(
        ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "postgres", "-tAc",
         "SHOW server_version", "postgres"], capture_output=True, text=True, check=True,
    ).stdout.strip()


def goal(text: str, met: bool) -> str:
    """A figure's goal (issue 13's, or its own issue's) and whether this run met it."""
    return f"goal {text}: {'met' if met else 'NOT met'}"


def record(section: str, stamp: str, lines: list[str]) -> None:
    """Append a run's figures to bench/RESULTS.md under their own heading."""
    new_file = not RESULTS.exists()
    with RESULTS.open("a", encoding="utf-8") as results:
        if new_file:
            results.write("# Bench results\n")
        results.write(f"\n## {section} · {stamp}\n\n" + "".join(f"- {line}\n" for line in lines))


def database_arguments(parser, default_url: str) -> None:
    """The options every database bench takes: which databases, the scratch PostgreSQL, --no-record."""
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--database-url", default=default_url)
    parser.add_argument("--no-record", action="store_true", help="print only; leave bench/RESULTS.md alone")


def require_loopback(url: str) -> None:
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench drops and creates its database: give a loopback PostgreSQL URL")


def kept_database(prefix: str, database: str, products: int, lines: int, base_url: str, fresh: bool) -> tuple[dict, str]:
    """The environment and URL of a scratch database kept between runs (seeding millions of sale
    lines takes minutes): a SQLite file under bench/out/<prefix>-<database>-<products>-<lines>/ or
    the PostgreSQL database <base_url>_<products>_<lines>, reused when it holds exactly these
    products and lines, else (or when fresh) made again and seeded with `flask seed synthetic`."""
    name = f"{prefix}-{database}-{products}-{lines}"
    url = f"{base_url}_{products}_{lines}" if database == "postgresql" else None
    instance = OUT / name
    if url is None:
        url = f"sqlite:///{instance}/ocop.db"
    if not fresh and holds(url, products, lines):
        env = {"INSTANCE_DIR": str(instance)}
        return env, url
    env = scratch_env(name, url if database == "postgresql" else None)
    if database == "postgresql":
        postgres("dropdb", url)
        postgres("createdb", url)
    flask(env, "db", "upgrade")
    seconds = flask(env, "seed", "synthetic", "--products", str(products), "--sales", str(lines), "--seed", "1",
                    "--no-index")
    print(f"  seeded {products:,} products and {lines:,} lines into {name} in {seconds:.0f} s", flush=True)
    return env, url


def holds(url: str, products: int, lines: int) -> bool:
    """Whether the scratch database is there with exactly these products and sale lines."""
    try:
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            if not Path(path).exists():
                return False
            with sqlite3.connect(path) as connection:
                found = [connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("product", "sale_line")]
        else:
            import psycopg

            with psycopg.connect(url, connect_timeout=5) as connection:
                found = [connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("product", "sale_line")]
    except Exception:
        return False
    return found == [products, lines]
