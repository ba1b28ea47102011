"""Onboarding's texts (Telegram HTML, gettext msgids: aula_moderation/locale). MozIta's phrases, adapted.

Texts with a number (the CAPTCHA's seconds, attempts left) are `TEXTS.ngettext` calls where they are said.
"""

from aula_moderation.chats.texts import RULES_URL, TEXTS, translate
from aula_shared.i18n import N_

__all__ = ["FILTER_ALERT", "MESSAGES", "RULES_URL", "TEXTS", "text"]

MESSAGES = {
    "captcha_press": N_("✅ I am not a bot"),
    "not_yours": N_("You are not allowed to press this button."),
    "captcha_failed": N_("❌ Wrong answer."),
    "captcha_solved": N_("✅ Done, welcome!"),
    "captcha_expired": N_("⌛ Time is up."),
    "welcome_default": N_("{greetings} {mention} to <b>{title}</b>! 😊\nPlease read the {rules} before writing."),
    "rules_link": N_('<a href="{rules_url}">rules</a>'),
    "gate_welcome": N_(
        "{mention} welcome to <b>{title}</b> 😊\nBefore going on, press <b>Show the rules</b>.\n<b>Until "
        "you do, every message you send will be deleted.</b>"
    ),
    "gate_show_rules": N_("Show the rules ⏬"),
    "gate_block": N_("Block user ❌"),
    "gate_read_rules": N_("Read the full rules 📙"),
    "gate_confirm": N_("Confirm this user ☑️"),
    "probation": N_(
        "{mention} thanks: you can now send plain text (<b>no links</b>), stickers and GIFs until a "
        "verified member confirms you with <b>Confirm this user</b>."
    ),
    "verify_not_allowed": N_("Only a verified member can confirm."),
    "verified": N_("✅ {who} verified {whom}."),
    "block_not_allowed": N_("Only staff can block."),
    "blocked": N_("🚫 {whom} was removed from the group (reason: <b>spam</b>)."),
    "forbidden_word": N_("‼️ {mention} mind your words: the message contained forbidden words and was deleted."),
    "request_language": N_("👋 You asked to join <b>{title}</b>. Scegli la lingua / Choose your language:"),
    "request_rules": N_(
        'Before joining <b>{title}</b>, read the <a href="{rules_url}">rules</a> and press <b>I accept</b>.'
    ),
    "request_accept": N_("✅ I accept"),
    "request_decline": N_("❌ No thanks"),
    "request_math": N_("Last step: <b>what is {question}?</b>"),
    "request_approved": N_("✅ Request approved: welcome!"),
    "request_declined": N_("Request declined."),
    "appeal_offer": N_(
        "You were blocked, so you can no longer join the network's groups.\nIf you think this is a "
        "mistake, press the button below and staff will review it."
    ),
    "appeal_button": N_("Report a possible mistake"),
    "appeal_sent": N_("Request sent: staff will review it."),
    "appeal_already": N_("You already sent a request (<b>{date}</b>). Staff will review it."),
    "appeal_lifted": N_("✅ Your block was lifted: you can join the groups again."),
    "appeal_confirmed": N_("Staff confirmed the block."),
}


def text(key: str, language: str, **values: object) -> str:
    return translate(MESSAGES, key, language, **values)


# The staff chat's texts are in the network's default language, as moderation's log is; the #TAGS stay.
APPEAL_STAFF = N_("📨 #APPEAL {mention} (<code>{user_id}</code>), network-banned ({reason}), asks for a review.")
APPEAL_DECIDED = N_("\n\n{verdict} by {who}.")
FILTER_ALERT = N_(
    "📌 #FORBIDDEN_WORD {mention} (<code>{user_id}</code>) in {title} (<code>{chat_id}</code>):\n"
    "<blockquote>{text}</blockquote>"
)
