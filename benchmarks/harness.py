"""What the benchmarks share: a private Redis database, temporary databases, processes, wrk."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
AULA = str(Path(sys.executable).with_name("aula"))
REDIS_SERVER = os.environ.get("AULA_BENCH_REDIS", "redis://127.0.0.1:6379")
PG_ADMIN_URL = os.environ.get("AULA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_database() -> Iterator[str]:
    """A Redis database index nobody else holds (tests claim theirs the same way), emptied around use."""
    for index in range(15, 0, -1):
        connection = redis.Redis.from_url(f"{REDIS_SERVER}/{index}")
        if connection.set("aula:test:claimed", f"bench-{os.getpid()}", nx=True, ex=3600):
            connection.flushdb()
            # FLUSHDB dropped the claim too: take it again, or a test session could claim this index meanwhile.
            connection.set("aula:test:claimed", f"bench-{os.getpid()}", ex=3600)
            try:
                yield f"{REDIS_SERVER}/{index}"
            finally:
                connection.flushdb()
            return
    raise RuntimeError("no free Redis database index")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    name = f"aula_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], name: str) -> Iterator[subprocess.Popen]:
    log = tempfile.NamedTemporaryFile(prefix=f"aula-bench-{name}-", suffix=".log", delete=False)  # noqa: SIM115
    child = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, 15)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, 9)
        log.close()


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants (Linux /proc)."""
    clock = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / clock
    return total


def _descendants(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            found += [child, *_descendants(child)]
    return found


def redis_server_cpu_seconds() -> float:
    info = redis.Redis.from_url(REDIS_SERVER).info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    requests: int = 0


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, connections: int = 50, seconds: int = 10, threads: int = 2) -> WrkResult:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk; `make bench` does it)")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    subprocess.run([*command[:3], "-d2s", *command[4:]], capture_output=True, check=True)  # warm-up
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        p99_ms=_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(map(int, errors.groups())) if errors else 0,
    )
