"""The two ChatPermissions a restriction is made of: everything (a release) and nothing (a mute, a CAPTCHA)."""

from aula_shared.telegram.fields import CHAT_PERMISSIONS

# restrictChatMember with every permission lifts a restriction (what the chat grants is at most this).
ALL_PERMISSIONS = dict.fromkeys(CHAT_PERMISSIONS, True)
NO_PERMISSIONS = dict.fromkeys(CHAT_PERMISSIONS, False)
