"""Texts of the chats domain (Telegram HTML), Italian and English; and the network's rules, which every notice
links to."""

from aula_shared.i18n import Catalog

RULES_URL = "https://studentiunimi.it/rules/"

TEXTS = Catalog(
    {
        "unmanaged_chat": {
            "it": "Questo gruppo non è gestito da Aula: qui non modero nulla.\n"
            "Per aggiungerlo, lo staff usi l'id della chat: <code>{chat_id}</code>",
            "en": "This group is not managed by Aula, so I do not moderate it.\n"
            "To add it, staff can use the chat id: <code>{chat_id}</code>",
        },
    }
)
