"""Moderation's texts, Italian and English (Telegram HTML)."""

from aula_shared.i18n import Catalog

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
