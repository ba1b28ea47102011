"""Finds user-facing texts written straight into code or templates instead of going through the catalogs.

Python (AST): a string literal or f-string with letters in it, given as
- `text=`/`caption=` of a Bot API call (`client.call("sendMessage", text=…)`, `answerCallbackQuery`, …);
- the "text" of an inline keyboard button (a dict that also has "callback_data", "url", …);
- a Flask `flash(…)` message;
- `name=`/`category=` of a view given to Flask-Admin's `add_view` (a module constant holding a literal counts);
- a value of a Flask-Admin `column_labels` dict, or a WTForms field's label.
Templates: text between tags, or in placeholder/title/alt/aria-label attributes, outside `{{ … }}`; and the
calls `make messages-extract` does not read in templates (`gettext(…)`, `ngettext(…)`, `{% trans %}`).

Wrapped texts (`_("…")`, `lazy_gettext("…")`, `TEXTS.gettext(language, "…")`) are calls, not literals, so
they pass. What is not a text for people (an emoji-only button, a bot command) goes on the test's allow-list.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

BOT_API_TEXT_KEYWORDS = {"text", "caption"}
BUTTON_KEYS = {"callback_data", "url", "switch_inline_query", "login_url", "web_app", "callback_game", "pay"}
VIEW_KEYWORDS = {"name", "category"}
LABEL_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}


@dataclass(frozen=True)
class Finding:
    path: str  # relative to the repository root
    line: int
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.text!r}"


def _has_letters(text: str) -> bool:
    return any(character.isalpha() for character in text)


def literal_text(node: ast.AST | None) -> str | None:
    """The text of a str literal or f-string with letters in it, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _has_letters(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str)]
        text = "{…}".join(parts)
        return text if _has_letters(text) else None
    return None


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, constants: dict[str, ast.AST]) -> None:
        self.path = path
        self.constants = constants  # module-level NAME = <expression>
        self.findings: list[Finding] = []

    def _text(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.constants:
            node = self.constants[node.id]
        return literal_text(node)

    def _report(self, node: ast.AST, rule: str, text: str) -> None:
        self.findings.append(Finding(self.path, node.lineno, rule, text))

    def visit_Call(self, node: ast.Call) -> None:
        function = _name(node.func)
        if function == "call" or (node.args and _bot_method(node.args[0])):
            for keyword in node.keywords:
                if keyword.arg in BOT_API_TEXT_KEYWORDS and (text := literal_text(keyword.value)):
                    self._report(keyword.value, "Bot API text", text)
        if function == "flash" and node.args and (text := literal_text(node.args[0])):
            self._report(node, "flash message", text)
        if function == "add_view" and node.args and isinstance(node.args[0], ast.Call):
            for keyword in node.args[0].keywords:
                if keyword.arg in VIEW_KEYWORDS and (text := self._text(keyword.value)):
                    self._report(keyword.value, f"admin view {keyword.arg}", text)
        if function and function.endswith("Field") and node.args and (text := literal_text(node.args[0])):
            self._report(node, "form field label", text)
        for keyword in node.keywords:
            if keyword.arg == "column_labels":
                self._labels(keyword.value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(_name(target) == "column_labels" for target in node.targets):
            self._labels(node.value)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
        if "text" in keys and keys & BUTTON_KEYS:
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "text" and (text := literal_text(value)):
                    self._report(value, "button text", text)
        self.generic_visit(node)

    def _labels(self, node: ast.AST) -> None:
        if isinstance(node, ast.Dict):
            for value in node.values:
                if text := literal_text(value):
                    self._report(value, "column label", text)


def _bot_method(node: ast.AST) -> bool:
    """A Bot API method name such as "sendMessage" or "answerCallbackQuery"."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(re.fullmatch(r"[a-z]+[A-Z]\w*", node.value))
    )


def scan_python(source: str, path: str) -> list[Finding]:
    tree = ast.parse(source)
    constants = {
        target.id: statement.value
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    scanner = _Scanner(path, constants)
    scanner.visit(tree)
    return scanner.findings


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_UNEXTRACTED = re.compile(r"(?<![\w.])(?:gettext|ngettext)\s*\(|\{%-?\s*trans\b")


class _TemplateText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in LABEL_ATTRIBUTES and value and _has_letters(value):
                self.found.append((self.getpos()[0], f"{name}={value}"))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and _has_letters(data):
            self.found.append((self.getpos()[0], data.strip()))


def scan_template(source: str, path: str) -> list[Finding]:
    findings = [
        Finding(path, source.count("\n", 0, match.start()) + 1, "template call not extracted", match.group(0))
        for match in _UNEXTRACTED.finditer(source)
    ]
    # Jinja parts become blanks of the same lines, so line numbers stay right.
    html = _JINJA.sub(lambda match: "\n" * match.group(0).count("\n") + " ", source)
    parser = _TemplateText()
    parser.feed(html)
    findings += [Finding(path, line, "template text", text) for line, text in parser.found]
    return findings


def scan_tree(root: Path, directories: list[Path]) -> list[Finding]:
    findings = []
    for directory in directories:
        for file in sorted(directory.rglob("*")):
            relative = file.relative_to(root).as_posix()
            if "/migrations/" in relative or not file.is_file():
                continue
            if file.suffix == ".py":
                findings += scan_python(file.read_text(encoding="utf-8"), relative)
            elif file.suffix == ".html" and "/templates/" in relative:
                findings += scan_template(file.read_text(encoding="utf-8"), relative)
    return findings
