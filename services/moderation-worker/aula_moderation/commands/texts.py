"""Moderation's texts, Italian and English (Telegram HTML). The log chat's format is fixed English (log.py)."""

from aula_moderation.chats.texts import RULES_URL
from aula_shared.i18n import Catalog

TEXTS = Catalog(
    {
        # Group notices: "<emoji> User <mention> <event>[ for <duration>][ for: <reason>]" + the rules link.
        "notice": {
            "it": "{emoji} L'utente {mention} è stato {event}{duration}{reason}\n"
            '➡ <a href="' + RULES_URL + '">Leggi le regole del network</a>',
            "en": "{emoji} User {mention} was {event}{duration}{reason}\n"
            '➡ <a href="' + RULES_URL + '">Read the network rules</a>',
        },
        "notice_duration": {"it": " per {duration}", "en": " for {duration}"},
        "notice_reason": {"it": "\n💬 Motivo: {reason}", "en": "\n💬 Reason: {reason}"},
        "event_warn": {"it": "ammonito ({count}/{limit})", "en": "warned ({count}/{limit})"},
        "event_unwarn": {
            "it": "graziato di un'ammonizione ({count}/{limit})",
            "en": "let off one warning ({count}/{limit})",
        },
        "unwarn_none": {
            "it": "❓ {who} non ha ammonizioni attive qui.",
            "en": "❓ {who} has no active warnings here.",
        },
        "event_kick": {"it": "espulso dal gruppo", "en": "removed from the group"},
        "event_ban": {"it": "espulso permanentemente dal gruppo", "en": "permanently banned from the group"},
        "event_ban_timed": {"it": "espulso dal gruppo", "en": "banned from the group"},
        "event_mute": {"it": "silenziato nel gruppo", "en": "muted in the group"},
        "event_free": {"it": "riammesso nel gruppo", "en": "unbanned from the group"},
        "event_superban": {
            "it": "espulso permanentemente da tutti i gruppi",
            "en": "permanently banned from all groups",
        },
        "event_superban_timed": {"it": "espulso da tutti i gruppi", "en": "banned from all groups"},
        "event_superfree": {"it": "riammesso in tutti i gruppi", "en": "unbanned from all groups"},
        "warn_limit_reason": {
            "it": "raggiunto il limite di {limit} ammonizioni",
            "en": "reached the limit of {limit} warnings",
        },
        # Usage replies (short; deleted after the notice delay).
        "usage_no_target": {
            "it": "❓ Uso: <code>/{command} @utente|id [durata] [motivo]</code>, oppure in risposta a un messaggio.",
            "en": "❓ Usage: <code>/{command} @user|id [duration] [reason]</code>, or as a reply to a message.",
        },
        "usage_needs_reply": {
            "it": "❓ Uso: rispondi al messaggio da eliminare con <code>/del</code>.",
            "en": "❓ Usage: reply to the message to delete with <code>/del</code>.",
        },
        "usage_duration": {
            "it": "❓ Durata non valida: usa ad esempio 30m, 2h, 7d, 1w (al massimo 366 giorni).",
            "en": "❓ Invalid duration: use e.g. 30m, 2h, 7d, 1w (at most 366 days).",
        },
        "usage_too_many_targets": {
            "it": "❓ Troppi utenti in un comando (al massimo {limit}).",
            "en": "❓ Too many users in one command (at most {limit}).",
        },
        "usage_user_not_found": {
            "it": "❓ Errore: utente {who} non trovato. Usa l'id numerico o rispondi a un suo messaggio.",
            "en": "❓ Error: user {who} not found. Use the numeric id or reply to one of their messages.",
        },
        "usage_cannot_target": {
            "it": "❓ Questo messaggio non è di un utente che si possa moderare.",
            "en": "❓ That message is not from a user who can be moderated.",
        },
        # /info, sent to the issuer in private.
        "info_report": {
            "it": "ℹ️ <b>{name}</b> (<code>{user_id}</code>)\nUsername: {username}\nLingua: {lang}\n"
            "Ammonizioni attive qui: {warnings}\nBan di rete: {network}\nUltimo messaggio: {last_seen}\n"
            "Gruppi:\n{groups}",
            "en": "ℹ️ <b>{name}</b> (<code>{user_id}</code>)\nUsername: {username}\nLanguage: {lang}\n"
            "Active warnings here: {warnings}\nNetwork ban: {network}\nLast message: {last_seen}\n"
            "Groups:\n{groups}",
        },
        "info_unknown": {
            "it": "ℹ️ L'utente <code>{user_id}</code> non è mai stato visto nei gruppi.",
            "en": "ℹ️ User <code>{user_id}</code> has never been seen in the groups.",
        },
        "info_start_bot": {
            "it": "ℹ️ Avvia il bot in privato per ricevere i report di /info.",
            "en": "ℹ️ Start the bot in private to receive /info reports.",
        },
        "help_title": {"it": "📖 <b>Comandi che puoi usare qui</b>", "en": "📖 <b>Commands you may use here</b>"},
        "yes": {"it": "sì", "en": "yes"},
        "no": {"it": "no", "en": "no"},
        "admin_thanks": {
            "it": "👮 Grazie per la segnalazione, gli amministratori sono stati avvisati.",
            "en": "👮 Thanks for your report, admins have been notified.",
        },
    }
)
