"""Moderation's texts (Telegram HTML, gettext msgids: aula_moderation/locale), said in the language
`language_for` picks. The log chat's lines: log/log_chat.py, in the network's default language."""

from aula_moderation.chats.texts import RULES_URL, TEXTS, translate
from aula_shared.i18n import N_

__all__ = ["MESSAGES", "RULES_URL", "TEXTS", "text"]

# Group notices: "<emoji> User <mention> <event>[ for <duration>][ for: <reason>]" + the rules link.
# Usage replies are short, and deleted after the notice delay; /info is sent to the issuer in private.
MESSAGES = {
    "notice": N_(
        '{emoji} User {mention} was {event}{duration}{reason}\n➡ <a href="{rules_url}">Read the network rules</a>'
    ),
    "notice_duration": N_(" for {duration}"),
    "notice_reason": N_("\n💬 Reason: {reason}"),
    "event_warn": N_("warned ({count}/{limit})"),
    "event_unwarn": N_("let off one warning ({count}/{limit})"),
    "unwarn_none": N_("❓ {who} has no active warnings here."),
    "event_kick": N_("removed from the group"),
    "event_ban": N_("permanently banned from the group"),
    "event_ban_timed": N_("banned from the group"),
    "event_mute": N_("muted in the group"),
    "event_free": N_("unbanned from the group"),
    "event_superban": N_("permanently banned from all groups"),
    "event_superban_timed": N_("banned from all groups"),
    "event_superfree": N_("unbanned from all groups"),
    "usage_no_target": N_(
        "❓ Usage: <code>/{command} @user|id [duration] [reason]</code>, or as a reply to a message."
    ),
    "usage_needs_reply": N_("❓ Usage: reply to the message to delete with <code>/del</code>."),
    "usage_duration": N_("❓ Invalid duration: use e.g. 30m, 2h, 7d, 1w (at most 366 days)."),
    "usage_too_many_targets": N_("❓ Too many users in one command (at most {limit})."),
    "usage_user_not_found": N_("❓ Error: user {who} not found. Use the numeric id or reply to one of their messages."),
    "usage_cannot_target": N_("❓ That message is not from a user who can be moderated."),
    "info_report": N_(
        "ℹ️ <b>{name}</b> (<code>{user_id}</code>)\nUsername: {username}\nLanguage: {lang}\nActive "
        "warnings here: {warnings}\nNetwork ban: {network}\nLast message: {last_seen}\nGroups:\n{groups}"
    ),
    "info_unknown": N_("ℹ️ User <code>{user_id}</code> has never been seen in the groups."),
    "info_start_bot": N_("ℹ️ Start the bot in private to receive /info reports."),
    "help_title": N_("📖 <b>Commands you may use here</b>"),
    "yes": N_("yes"),
    "no": N_("no"),
    "admin_thanks": N_("👮 Thanks for your report, admins have been notified."),
}


def text(key: str, language: str, **values: object) -> str:
    return translate(MESSAGES, key, language, **values)
