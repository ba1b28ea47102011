"""Onboarding's texts, Italian and English (Telegram HTML). MozIta's phrases, adapted."""

from aula_moderation.chats.texts import RULES_URL
from aula_shared.i18n import Catalog

__all__ = ["RULES_URL", "TEXTS"]

TEXTS = Catalog(
    {
        "captcha_button": {
            "it": "👋 {mention}, benvenuto in <b>{title}</b>!\nPer scrivere premi il pulsante qui sotto entro "
            "{seconds} secondi: così confermi di non essere un bot e di accettare il "
            '<a href="' + RULES_URL + '">regolamento</a>.',
            "en": "👋 {mention}, welcome to <b>{title}</b>!\nTo write here, press the button below within "
            "{seconds} seconds: you confirm you are not a bot and accept the "
            '<a href="' + RULES_URL + '">rules</a>.',
        },
        "captcha_math": {
            "it": "👋 {mention}, benvenuto in <b>{title}</b>!\nPer scrivere rispondi entro {seconds} secondi: "
            "<b>quanto fa {question}?</b> Rispondendo accetti il "
            '<a href="' + RULES_URL + '">regolamento</a>.',
            "en": "👋 {mention}, welcome to <b>{title}</b>!\nTo write here, answer within {seconds} seconds: "
            "<b>what is {question}?</b> By answering you accept the "
            '<a href="' + RULES_URL + '">rules</a>.',
        },
        # A join storm: one message for many newcomers (Telegram allows ~20 bot messages a minute in a group).
        "captcha_storm_button": {
            "it": "👋 Benvenuti ai nuovi arrivati in <b>{title}</b>!\nPer scrivere premete il pulsante qui sotto entro "
            "{seconds} secondi: così confermate di non essere bot e di accettare il "
            '<a href="' + RULES_URL + '">regolamento</a>.',
            "en": "👋 Welcome to everyone who just joined <b>{title}</b>!\nTo write here, press the button below "
            "within {seconds} seconds: you confirm you are not a bot and accept the "
            '<a href="' + RULES_URL + '">rules</a>.',
        },
        "captcha_storm_math": {
            "it": "👋 Benvenuti ai nuovi arrivati in <b>{title}</b>!\nPer scrivere rispondete entro {seconds} "
            "secondi: <b>quanto fa {question}?</b> Rispondendo accettate il "
            '<a href="' + RULES_URL + '">regolamento</a>.',
            "en": "👋 Welcome to everyone who just joined <b>{title}</b>!\nTo write here, answer within {seconds} "
            "seconds: <b>what is {question}?</b> By answering you accept the "
            '<a href="' + RULES_URL + '">rules</a>.',
        },
        "captcha_press": {"it": "✅ Non sono un bot", "en": "✅ I am not a bot"},
        "not_yours": {
            "it": "Non sei abilitato a premere questo pulsante.",
            "en": "You are not allowed to press this button.",
        },
        "captcha_wrong": {
            "it": "❌ Risposta sbagliata: ancora {left} tentativi.",
            "en": "❌ Wrong answer: {left} attempts left.",
        },
        "captcha_failed": {"it": "❌ Risposta sbagliata.", "en": "❌ Wrong answer."},
        "captcha_solved": {"it": "✅ Fatto, benvenuto!", "en": "✅ Done, welcome!"},
        "captcha_expired": {"it": "⌛ Tempo scaduto.", "en": "⌛ Time is up."},
        "greetings_one": {"it": "Benvenuto", "en": "Welcome"},
        "greetings_many": {"it": "Benvenuti", "en": "Welcome all"},
        "welcome_default": {
            "it": "{greetings} {mention} in <b>{title}</b>! 😊\nLeggi il {rules} prima di scrivere.",
            "en": "{greetings} {mention} to <b>{title}</b>! 😊\nPlease read the {rules} before writing.",
        },
        "rules_link": {
            "it": '<a href="' + RULES_URL + '">regolamento</a>',
            "en": '<a href="' + RULES_URL + '">rules</a>',
        },
        # The rules gate (MozIta's "benvenuto" and "regolamento_letto").
        "gate_welcome": {
            "it": "{mention} benvenuto in <b>{title}</b> 😊\nPrima di proseguire premi <b>Mostra regolamento</b>.\n"
            "<b>Finché non lo farai, ogni messaggio che invii verrà eliminato.</b>",
            "en": "{mention} welcome to <b>{title}</b> 😊\nBefore going on, press <b>Show the rules</b>.\n"
            "<b>Until you do, every message you send will be deleted.</b>",
        },
        "gate_show_rules": {"it": "Mostra regolamento ⏬", "en": "Show the rules ⏬"},
        "gate_block": {"it": "Blocca utente ❌", "en": "Block user ❌"},
        "gate_read_rules": {"it": "Leggi il regolamento completo 📙", "en": "Read the full rules 📙"},
        "gate_confirm": {"it": "Conferma identità utente ☑️", "en": "Confirm this user ☑️"},
        "probation": {
            "it": "{mention} grazie, ora potrai inviare messaggi di solo testo (<b>no link</b>), sticker e GIF "
            "finché un altro utente verificato non confermerà la tua identità con <b>Conferma identità utente</b>.",
            "en": "{mention} thanks: you can now send plain text (<b>no links</b>), stickers and GIFs until a "
            "verified member confirms you with <b>Confirm this user</b>.",
        },
        "verify_wait": {
            "it": "Mancano {seconds} secondi prima di poter confermare questo utente.",
            "en": "{seconds} seconds left before this user can be confirmed.",
        },
        "verify_not_allowed": {
            "it": "Solo un utente verificato può confermare.",
            "en": "Only a verified member can confirm.",
        },
        "verified": {
            "it": "✅ {who} ha verificato l'identità di {whom}.",
            "en": "✅ {who} verified {whom}.",
        },
        "block_not_allowed": {"it": "Solo lo staff può bloccare.", "en": "Only staff can block."},
        "blocked": {
            "it": "🚫 {whom} è stato rimosso dal gruppo (causa: <b>spam</b>).",
            "en": "🚫 {whom} was removed from the group (reason: <b>spam</b>).",
        },
        "forbidden_word": {
            "it": "‼️ {mention} presta attenzione a ciò che scrivi: il messaggio conteneva una o più parole vietate "
            "ed è stato eliminato.",
            "en": "‼️ {mention} mind your words: the message contained forbidden words and was deleted.",
        },
        # Join requests, in private.
        "request_language": {
            "it": "👋 Hai chiesto di entrare in <b>{title}</b>. Scegli la lingua / Choose your language:",
            "en": "👋 You asked to join <b>{title}</b>. Scegli la lingua / Choose your language:",
        },
        "request_rules": {
            "it": "Prima di entrare in <b>{title}</b> leggi il "
            '<a href="' + RULES_URL + '">regolamento</a> e premi <b>Accetto</b>.',
            "en": "Before joining <b>{title}</b>, read the "
            '<a href="' + RULES_URL + '">rules</a> and press <b>I accept</b>.',
        },
        "request_accept": {"it": "✅ Accetto", "en": "✅ I accept"},
        "request_decline": {"it": "❌ Rinuncio", "en": "❌ No thanks"},
        "request_math": {
            "it": "Ultimo passo: <b>quanto fa {question}?</b>",
            "en": "Last step: <b>what is {question}?</b>",
        },
        "request_approved": {"it": "✅ Richiesta approvata: benvenuto!", "en": "✅ Request approved: welcome!"},
        "request_declined": {"it": "Richiesta rifiutata.", "en": "Request declined."},
        # Appeals.
        "appeal_offer": {
            "it": "Sei stato bloccato, perciò non puoi più unirti ai gruppi del network.\nSe pensi che sia un "
            "errore, premi il pulsante qui sotto e lo staff verificherà.",
            "en": "You were blocked, so you can no longer join the network's groups.\nIf you think this is a "
            "mistake, press the button below and staff will review it.",
        },
        "appeal_button": {"it": "Segnala il possibile errore", "en": "Report a possible mistake"},
        "appeal_sent": {
            "it": "Segnalazione inviata: lo staff la esaminerà.",
            "en": "Request sent: staff will review it.",
        },
        "appeal_already": {
            "it": "Hai già inviato una segnalazione (<b>{date}</b>). Lo staff provvederà alle verifiche.",
            "en": "You already sent a request (<b>{date}</b>). Staff will review it.",
        },
        "appeal_lifted": {
            "it": "✅ Il tuo blocco è stato revocato: puoi tornare nei gruppi.",
            "en": "✅ Your block was lifted: you can join the groups again.",
        },
        "appeal_confirmed": {
            "it": "Lo staff ha confermato il blocco.",
            "en": "Staff confirmed the block.",
        },
    }
)

# The staff chat's texts are English, as moderation's log is.
APPEAL_STAFF = "📨 #APPEAL {mention} (<code>{user_id}</code>), network-banned ({reason}), asks for a review."
APPEAL_DECIDED = "\n\n{verdict} by {who}."
FILTER_ALERT = (
    "📌 #FORBIDDEN_WORD {mention} (<code>{user_id}</code>) in {title} (<code>{chat_id}</code>):\n"
    "<blockquote>{text}</blockquote>"
)
