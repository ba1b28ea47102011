"""Helpers for tests that run Aula's real processes: free ports, service processes, waiting."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
AULA = str(Path(sys.executable).with_name("aula"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.05, what: str = ""
) -> object:
    """Poll until predicate() is truthy; returns its value or fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # a service still starting refuses connections
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what or predicate}: last error {last_error!r}")


def wait_http(url: str, timeout: float = 20.0) -> None:
    wait_until(lambda: httpx.get(url, timeout=1).status_code == 200, timeout, what=url)


class Process:
    """An Aula process (`aula …`) with its own environment; output goes to a log file for post-mortems."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path, cwd: Path = ROOT) -> None:
        self.args, self.env, self.log_path, self.cwd = args, env, log_path, cwd
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.popen = subprocess.Popen(
            [AULA, *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd, start_new_session=True
        )
        return self

    def signal(self, signum: int) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signum)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the main process only, as an orchestrator stops a container: a Celery worker then lets its
        running task finish (signalling the whole group would kill the pool's children mid-task), a server
        stops its workers. Whatever of the group is left after `timeout` is killed."""
        if not self.popen or self.popen.poll() is not None:
            return
        self.terminate()
        self.reap(timeout)

    def reap(self, timeout: float = 10.0) -> None:
        """Wait up to `timeout` for the process to end, then kill whatever of its group is left."""
        if not self.popen:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # stragglers of the group, if any
        self.popen.wait(5)

    def terminate(self) -> None:
        """SIGTERM to the main process, without waiting (see stop)."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no clean-up, no acknowledgements."""
        self.signal(signal.SIGKILL)
        if self.popen:
            self.popen.wait(5)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def stop_all(processes: list[Process], timeout: float = 10.0) -> None:
    """Stop several processes at once (each as Process.stop does): their shutdowns overlap."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.reap(timeout)


@contextlib.contextmanager
def running(process: Process) -> Iterator[Process]:
    process.start()
    try:
        yield process
    finally:
        process.stop()
