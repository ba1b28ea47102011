"""Message text as Telegram sees it: UTF-16 lengths, automatic entities in what users type, HTML in what bots send."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from aula_tgsim.errors import ApiError, bad_request

MAX_TEXT_LENGTH = 4096  # UTF-16 code units, after entity parsing


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# What Telegram's clients turn into entities when a user types them. Order matters: earlier kinds win overlaps.
_AUTOMATIC_ENTITIES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)


def automatic_entities(text: str) -> list[dict[str, Any]]:
    """Entities for /commands, @mentions, #hashtags and URLs, with UTF-16 offsets."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _AUTOMATIC_ENTITIES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            found.append((start, end, kind))
    found.sort()
    return [
        {"offset": utf16_length(text[:start]), "length": utf16_length(text[start:end]), "type": kind}
        for start, end, kind in found
    ]


# HTML tags the Bot API accepts in parse_mode=HTML, and the entity each becomes.
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _BotApiHtml(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.text: list[str] = []
        self.length = 0  # UTF-16 units emitted so far
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        prefix = "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "") + lines[line - 1][:column]
        return len(prefix.encode())

    def _fail(self, reason: str) -> ApiError:
        return bad_request(f"can't parse entities: {reason}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in _HTML_TAGS or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        extra: dict[str, Any] = {}
        kind = _HTML_TAGS[tag]
        if tag == "a":
            href = attributes.get("href") or ""
            user = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if user:
                kind, extra = "text_mention", {"user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""}}
            else:
                extra = {"url": href}
        elif tag == "tg-emoji":
            extra = {"custom_emoji_id": attributes.get("emoji-id") or ""}
        elif tag == "code" and self.open and self.open[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.open[-1][2]["language"] = language
            self.open.append((tag, self.length, {"_nested_in_pre": True}))
            return
        elif tag == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        self.open.append((tag, self.length, {"type": kind, **extra}))

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            raise self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        expected, start, entity = self.open.pop()
        if expected != tag:
            raise self._fail(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</{expected}>", found "</{tag}>"'
            )
        if entity.get("_nested_in_pre"):
            return
        if self.length > start:
            self.entities.append({"offset": start, "length": self.length - start, **entity})

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self.length += utf16_length(data)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities of a parse_mode=HTML message (checked loosely, like Telegram: tags must nest)."""
    parser = _BotApiHtml(source)
    parser.feed(source)
    parser.close()
    if parser.open:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{parser.open[-1][0]}\""
        )
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.text), entities


def formatted_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """What a bot's message text becomes: plain text plus entities."""
    if parse_mode and parse_mode.upper() == "HTML":
        return parse_html(text)
    if isinstance(entities, list):
        return text, entities
    return text, []  # Markdown and MarkdownV2 are not interpreted by the simulator


_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0x1F900, 0x1F9FF),
    (0xFE0F, 0xFE0F),
    (0x200D, 0x200D),
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
)


def contains_emoji(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in _EMOJI_RANGES)
