"""/superban and /superfree: a network ban or its lift, carried out in every managed chat by a network job."""

from __future__ import annotations

from aula_moderation.command_registry import EVENT_OF
from aula_moderation.commands.actions import _until
from aula_moderation.commands.cases import already_done, new_case
from aula_moderation.commands.notices import notify
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.network import jobs as network
from aula_shared.db import session_scope


def do_superban(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _network(scene, target, evidence, forwarded, "superban")


def do_superfree(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _network(scene, target, evidence, forwarded, "superfree")


def _network(scene: Scene, target: Person, evidence, forwarded, kind: str) -> None:
    event = EVENT_OF[kind]
    until = _until(scene.command.duration) if kind == "superban" else None
    with session_scope(scene.services.database_url) as session:
        if already_done(session, scene, event, target.id):
            return
        if kind == "superban":
            job = network.ban_everywhere(
                session, target.id, source="superban", reason=scene.command.reason, until=until,
                issuer_id=scene.issuer.id, also_in=scene.chat.id,
            )  # fmt: skip
        else:
            job = network.lift_everywhere(session, target.id, issuer_id=scene.issuer.id)
        new_case(
            session, scene, event, target, evidence=evidence, until=until, reason=scene.command.reason,
            network_scope=True, forwarded=forwarded, job_id=job.id,
        )  # fmt: skip
        job_id = job.id
    scene.services.run_job(job_id)
    scene.services.flush_log()
    key = "event_superban_timed" if (kind == "superban" and until) else f"event_{kind}"
    notify(scene, target, event, key, scene.command.duration if until else None, scene.command.reason)
