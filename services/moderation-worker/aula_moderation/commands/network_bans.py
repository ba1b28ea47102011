"""/superban and /superfree: a network ban or its lift, carried out in every managed chat by a network job."""

from __future__ import annotations

from aula_moderation.command_registry import EVENT_OF
from aula_moderation.commands.actions import _until
from aula_moderation.commands.cases import new_case
from aula_moderation.commands.notices import announce, notice_text, resume, send_notice
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
    if resume(scene, event, target.id):
        return
    key = "event_superban_timed" if (kind == "superban" and until) else f"event_{kind}"
    notice = notice_text(scene, target, event, key, scene.command.duration if until else None, scene.command.reason)
    with session_scope(scene.services.database_url) as session:
        if kind == "superban":
            job = network.ban_everywhere(
                session, target.id, source="superban", reason=scene.command.reason, until=until,
                issuer_id=scene.issuer.id, also_in=scene.chat.id,
            )  # fmt: skip
        else:
            job = network.lift_everywhere(session, target.id, issuer_id=scene.issuer.id)
        case = new_case(
            session, scene, event, target, evidence=evidence, until=until, reason=scene.command.reason,
            network_scope=True, forwarded=forwarded, job_id=job.id,
        )  # fmt: skip
        announce(case, notice)
        session.flush()
        job_id, case_id = job.id, case.id
    scene.services.run_job(job_id)
    scene.services.flush_log()
    send_notice(scene, case_id, notice)
