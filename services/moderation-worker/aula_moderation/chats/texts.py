"""Texts of the chats domain (Telegram HTML, gettext msgids: aula_moderation/locale); and the network's rules,
which every notice links to.

`text(key, language, **values)` translates one of the MESSAGES (marked with N_ for extraction; `{rules_url}` is
filled in every text); texts with a number are `TEXTS.ngettext` calls where they are said.
"""

from collections.abc import Mapping

from aula_shared.i18n import N_, Translations

RULES_URL = "https://studentiunimi.it/rules/"

TEXTS = Translations.for_package("aula_moderation")

MESSAGES = {
    "unmanaged_chat": N_(
        "This group is not managed by Aula, so I do not moderate it.\nTo add it, staff can use the chat "
        "id: <code>{chat_id}</code>"
    ),
}


def translate(messages: Mapping[str, str], key: str, language: str, **values: object) -> str:
    """One of `messages` in `language`, its values (and the rules' address) filled in."""
    return TEXTS.gettext(language, messages[key], rules_url=RULES_URL, **values)


def text(key: str, language: str, **values: object) -> str:
    return translate(MESSAGES, key, language, **values)
