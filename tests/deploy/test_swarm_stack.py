"""The Swarm stack describes what the code really runs: images that exist, commands the CLI has."""

from __future__ import annotations

import yaml
from support import ROOT

from aula_shared.cli import aula

STACK = yaml.safe_load((ROOT / "deploy/swarm-stack.yml").read_text())
IMAGES = {
    "catalog-api": "services/catalog-api/Dockerfile",
    "webhook-gateway": "services/webhook-gateway/Dockerfile",
    "moderation-worker": "services/moderation-worker/Dockerfile",
    "stats-worker": "services/stats-worker/Dockerfile",
    "platform": "deploy/Dockerfile",
}


def aula_services():
    return {name: s for name, s in STACK["services"].items() if "aula" in s.get("command", [])[:1]}


def test_every_service_of_the_design_is_in_the_stack():
    assert {"postgres", "redis", "catalog-api", "webhook-gateway", "moderation-worker", "stats-worker", "beat"} <= set(
        STACK["services"]
    )


def test_each_aula_service_runs_a_real_cli_command_from_an_image_we_build():
    for name, service in aula_services().items():
        command = service["command"]
        assert command[1] in aula.commands, (name, command)
        image = service["image"].split("/")[-1].split(":")[0]
        assert (ROOT / IMAGES[image]).exists(), (name, image)


def test_long_running_services_have_health_checks_and_restart():
    for name, service in aula_services().items():
        if service["command"][1] in ("serve", "worker") and name != "catalog-events":
            assert "healthcheck" in service, name
        assert service["deploy"]["restart_policy"]["condition"] in ("any", "on-failure"), name


def test_one_beat_and_scalable_workers():
    services = STACK["services"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["moderation-worker"]["deploy"]["replicas"] >= 2
    assert services["webhook-gateway"]["deploy"]["replicas"] >= 2


def test_redis_is_durable_and_secrets_are_files():
    redis_command = " ".join(STACK["services"]["redis"]["command"])
    assert "--appendonly yes" in redis_command and "--appendfsync always" in redis_command
    env = STACK["services"]["webhook-gateway"]["environment"]
    assert "SECRET_KEY" not in env and env["SECRET_KEY_FILE"].startswith("/run/secrets/")
