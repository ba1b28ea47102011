"""`aula run`: the whole platform in the foreground, one process per service, until Ctrl-C.

With no REDIS_URL (the embedded default) the launcher itself provides Redis (see embedded.py), the
databases are SQLite files under var/, and the bots talk to the Telegram simulator. With REDIS_URL and
DATABASE_URL set, the same processes run against those servers, as the Swarm stack runs them one by one.
"""

from __future__ import annotations

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
  Bot API          {env["TELEGRAM_API_URL"]}  (the Telegram simulator in the embedded default)
Try it with the simulator: register a bot and a group, then make a user write in it —
  .venv/bin/aula bots add --token 100001:AAdemo_demo_demo_demo_demo_demo_demo0 \\
      --webhook-url http://{settings.host}:{settings.gateway_port}/webhook
  .venv/bin/aula groups add -1001000000001 --bot 100001 --title "Analisi 1"
  (the simulator's control API, /_sim/…, makes users send messages and join; see README.md)
Press Ctrl-C to stop.
"""


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
        children[service.name] = subprocess.Popen([aula, *args], env=env)
    print(_banner(settings, env, embedded_redis is not None), flush=True)

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
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
