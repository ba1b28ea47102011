"""A group message starting with "/": not ours, not allowed, malformed, or carried out for each target.

One command → for each target: the Telegram action, a case (in the same transaction as its warnings, timers
and log entry), a notice in the group deleted after the chat's notice delay. A case's dedupe key (bot, update,
target, event) makes a redelivered update (a batch retried after a flood wait) skip targets already done.
"""

from __future__ import annotations

from typing import Any

from aula_moderation import chat_actions
from aula_moderation import command_registry as registry
from aula_moderation.chats.models import ManagedChat
from aula_moderation.commands import parser
from aula_moderation.commands.cases import record
from aula_moderation.commands.notices import usage
from aula_moderation.commands.parser import Command, UsageError
from aula_moderation.commands.scene import Person, Scene, real_reply
from aula_moderation.commands.targets import resolve
from aula_moderation.log import log_chat as modlog
from aula_moderation.roles.powers import Powers


def handle(context, chat: ManagedChat, powers: Powers) -> None:
    """A command that names people, from an issuer who may use it: malformed (a usage reply) or carried out."""
    message = context.update.effective_message
    text = message.text or ""
    sender = message.from_user
    name = parser.command_name(text)[0]
    client = context.services.bots.for_bot(context.bot_id)
    replied = real_reply(message)
    try:
        command = parser.parse(text, message.entities or (), has_reply=replied is not None)
    except UsageError as error:
        chat_actions.delete(client, chat.id, message.message_id)
        scene = Scene(
            context.services, context.bot_id, context.update.update_id, client, chat, message,
            Person.of(sender), powers, Command(name),
        )  # fmt: skip
        usage(scene, f"usage_{error.problem}", **error.detail)
        return
    if command is None:
        return
    scene = Scene(
        context.services, context.bot_id, context.update.update_id, client, chat, message,
        Person.of(sender), powers, command,
    )  # fmt: skip
    chat_actions.delete(client, chat.id, message.message_id)  # command messages go at once
    carry_out(scene, replied)


def carry_out(scene: Scene, replied: Any) -> None:
    command = scene.command
    targets, problem = resolve(scene, command.targets, replied)
    if problem is not None:
        usage(scene, *problem)
        if not targets:
            return
    evidence = (replied.text or replied.caption or "") if replied is not None else None
    deletes_replied = replied is not None and (command.name == "del" or (command.star and scene.powers.may("del")))
    forwarded = None
    if replied is not None and (deletes_replied or command.name != "info"):
        forwarded = modlog.forward_evidence(
            scene.services.redis,
            scene.client,
            scene.services.settings.log_chat_id,
            scene.chat.id,
            replied.message_id,
        )
    if deletes_replied:
        chat_actions.delete(scene.client, scene.chat.id, replied.message_id)
        scene.replied_deleted = True
    handler = registry.handler_of(registry.find(command.name))
    if command.name == "del":  # one case for the message, whoever wrote it
        handler(scene, targets[0] if targets else None, evidence, replied, forwarded)
        return
    for target in targets:
        evidence_here = (
            evidence if replied is not None and replied.from_user and target.id == replied.from_user.id else None
        )
        handler(scene, target, evidence_here, replied, forwarded if evidence_here else None)


def do_delete(scene: Scene, target: Person | None, evidence, replied, forwarded) -> None:
    """/del: the replied message is gone already (carry_out deletes it); its case is recorded."""
    record(scene, "MODERATION_DEL", target, evidence, replied, forwarded, deleted=True)
