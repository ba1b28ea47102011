"""What a Bot API method handler is given: the simulator, the calling bot and the call's parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aula_tgsim.errors import PARTICIPANT_ID_INVALID, bad_request
from aula_tgsim.model import Bot, Chat, User
from aula_tgsim.params import Params

if TYPE_CHECKING:
    from aula_tgsim.simulator import Simulator
    from aula_tgsim.world import World


@dataclass
class Reply:
    """A successful answer that also carries Telegram's optional `description` (e.g. "Webhook was set")."""

    result: Any
    description: str | None = None


@dataclass
class Context:
    sim: Simulator
    bot: Bot
    params: Params

    @property
    def world(self) -> World:
        return self.sim.world

    @property
    def now(self) -> int:
        return self.sim.world.now()

    def chat(self, name: str = "chat_id") -> Chat:
        return self.world.chat_for(self.params.chat_ref(name))

    def user(self, name: str = "user_id") -> User:
        """The user a moderation method names; unknown ids are Telegram's PARTICIPANT_ID_INVALID."""
        user_id = self.params.required_int(name)
        user = self.world.user(user_id)
        if user is None:
            raise bad_request(PARTICIPANT_ID_INVALID)
        return user
