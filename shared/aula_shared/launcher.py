"""`aula run`: the whole platform in the foreground, one process per service, until Ctrl-C.

With no REDIS_URL (the embedded default) the launcher itself provides Redis (see embedded.py), the
databases are SQLite files under var/, and the bots talk to the Telegram simulator. With REDIS_URL and
DATABASE_URL set, the same processes run against those servers, as the Swarm stack runs them one by one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from aula_shared import components
from aula_shared.settings import Settings


@dataclass(frozen=True)
class Service:
    name: str
    args: list[str]


def services() -> list[Service]:
    found = [Service(name, ["serve", name]) for name, _ in components.servers()]
    for component in components.discover():
        if component.worker:
            found.append(Service(f"{component.name}-worker", ["worker", component.name, "--loglevel", "INFO"]))
    found.append(Service("beat", ["beat"]))
    return found


def _environment(settings: Settings) -> tuple[dict[str, str], object | None]:
    env = dict(os.environ)
    embedded_redis = None
    if settings.redis_url is None:
        from aula_shared.embedded import EmbeddedRedis

        embedded_redis = EmbeddedRedis().start()
        env.update(REDIS_URL=embedded_redis.url, AULA_EMBEDDED="1")
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(32))  # sessions last as long as this run
        env.setdefault("TELEGRAM_API_URL", f"http://{settings.host}:{settings.tgsim_port}")
        env.setdefault("AULA_WORKER_CONCURRENCY", "1")  # SQLite takes one writer at a time anyway
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env, embedded_redis


def _banner(settings: Settings, env: dict[str, str], embedded: bool) -> str:
    mode = "embedded default (SQLite under var/, in-process Redis)" if embedded else "external Redis and databases"
    return f"""
Aula is running — {mode}.
  catalog API      http://{settings.host}:{settings.catalog_port}/api/departments  (docs: /api/docs, admin: /admin)
  webhook gateway  http://{settings.host}:{settings.gateway_port}/webhook
  Bot API          {env["TELEGRAM_API_URL"]}
Press Ctrl-C to stop.
"""


DEMO_TOKEN = "100001:AAdemo_demo_demo_demo_demo_demo_demo0"  # noqa: S105 - the simulator's demo bot
DEMO_GROUP = -1001000000001


def _seed_demo(settings: Settings, env: dict[str, str], aula: str) -> str:
    """Load the demo into the simulator and register its bot and group; returns how to try it."""
    import importlib.resources

    import httpx

    sim = f"http://{settings.host}:{settings.tgsim_port}"
    scenario = importlib.resources.files("aula_shared.demo").joinpath("scenario.json").read_text()
    httpx.post(f"{sim}/_sim/scenario", content=scenario, headers={"Content-Type": "application/json"}, timeout=10)
    webhook = f"http://{settings.host}:{settings.gateway_port}/webhook"
    for args in (
        ["bots", "add", "--token", DEMO_TOKEN, "--webhook-url", webhook],
        ["groups", "add", str(DEMO_GROUP), "--bot", "100001", "--title", "Analisi Matematica 1"],
    ):
        subprocess.run([aula, *args], env=env, check=True, capture_output=True, timeout=60)
    return f"""Demo: the simulator has @aula_demo_bot, a managed group {DEMO_GROUP} and an unmanaged one -1001000000002.
Make a student write, then see what the bot did and what the stats worker counted:
  curl -s {sim}/_sim/updates/message -H 'Content-Type: application/json' \\
       -d '{{"chat_id": -1001000000002, "user_id": 4002, "text": "hello?"}}'
  curl -s '{sim}/_sim/calls?method=sendMessage'
  sqlite3 var/aula.db 'SELECT * FROM stats_message_counts'
The staff admin is at http://{settings.host}:{settings.catalog_port}/admin: create a login first with
  .venv/bin/aula staff create-user NAME
"""  # noqa: S608 - text shown to the operator, not a query


def _wait_for(url: str, timeout: float = 30.0) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False


def run_platform(settings: Settings) -> None:
    env, embedded_redis = _environment(settings)
    os.makedirs("var", exist_ok=True)
    concurrency = env.get("AULA_WORKER_CONCURRENCY")
    aula = os.path.join(os.path.dirname(sys.executable), "aula")
    children: dict[str, subprocess.Popen] = {}
    for service in services():
        args = list(service.args)
        if concurrency and service.args[0] == "worker":
            args += ["--concurrency", concurrency]
        # Each service in its own process group, so that stopping it stops its worker processes too.
        children[service.name] = subprocess.Popen([aula, *args], env=env, start_new_session=True)
    print(_banner(settings, env, embedded_redis is not None), flush=True)
    demo = embedded_redis is not None and "TELEGRAM_API_URL" not in os.environ
    if (
        demo
        and _wait_for(f"http://{settings.host}:{settings.tgsim_port}/healthz")
        and _wait_for(f"http://{settings.host}:{settings.gateway_port}/healthz")
    ):
        try:
            print(_seed_demo(settings, env, aula), flush=True)
        except (subprocess.CalledProcessError, OSError) as error:
            print(f"aula: the demo could not be set up ({error}); the platform runs without it", file=sys.stderr)

    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"aula: {name} exited with status {child.returncode}; stopping the platform", file=sys.stderr)
                    stopping = True
            time.sleep(0.2)
    finally:
        _terminate(children)
        if embedded_redis is not None:
            embedded_redis.stop()


def _terminate(children: dict[str, subprocess.Popen], grace: float = 10.0) -> None:
    for child in children.values():
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.1, deadline - time.monotonic()))
        _signal_group(child, signal.SIGKILL)  # whatever of the group is left: HTTP or Celery worker processes


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
