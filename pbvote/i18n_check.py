"""Find text in templates that escapes translation: words outside ``{{ _() }}`` / ``{% trans %}``.

A template is read with Jinja's own lexer; every Jinja construct becomes a placeholder, ``{% trans %}`` blocks
vanish whole, and what is left is HTML (or plain text, for mail templates) whose text nodes and human-facing
attributes must hold no words. Used by the catalogue test and runnable by hand:
``python -m pbvote.i18n_check`` lists every escape with its file and line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

#: Attributes people read or hear (screen readers announce these).
HUMAN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                    "aria-valuetext", "label"}
#: Input buttons show their value (a <button> shows its content, its value is for the server).
BUTTON_TYPES = {"submit", "button", "reset"}
#: Elements whose text is code, not words: scripts, styles, commands and code people type.
UNTRANSLATED_ELEMENTS = {"script", "style", "code", "kbd", "samp"}
#: Words that are the same in every language pbvote speaks.
UNTRANSLATED_WORDS = {"pbvote", "htmx", "OpenAPI", "JSON", "SHA", "CSV", "PDF", "UTC", "API", "URL", "ID"}

PLACEHOLDER = " "  # a space: valid between words and inside a tag alike
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Escape:
    """A piece of text in ``template`` at ``line`` that is not translatable."""

    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def words(text: str) -> list[str]:
    return [word for word in _WORD.findall(text) if word not in UNTRANSLATED_WORDS]


def skeleton(source: str, environment: Environment) -> tuple[str, list[int]]:
    """The template's literal text with every Jinja construct as one placeholder and trans blocks removed,
    and the source line of each character (for messages)."""
    parts: list[str] = []
    lines: list[int] = []
    depth = 0  # inside {% trans %} … {% endtrans %}
    block: list[str] = []
    in_block = False
    for lineno, kind, value in environment.lex(source):
        if kind == "block_begin":
            in_block, block = True, []
            continue
        if in_block:
            if kind == "block_end":
                in_block = False
                name = block[0] if block else ""
                if name == "trans":
                    depth += 1
                elif name == "endtrans":
                    depth -= 1
                if depth == 0:
                    parts.append(PLACEHOLDER)
                    lines.append(lineno)
            elif kind != "whitespace":
                block.append(value)
            continue
        if depth:
            continue
        if kind == "data":
            parts.append(value)
            lines.extend(lineno + value[:index].count("\n") for index in range(len(value)))
        elif kind in ("variable_end", "comment_end", "raw_end"):
            parts.append(PLACEHOLDER)
            lines.append(lineno)
    return "".join(parts), lines


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []  # (offset into the skeleton, text)
        self._skip = 0
        self._offsets = [0]

    def feed_all(self, text: str) -> None:
        for line in text.splitlines(keepends=True):
            self._offsets.append(self._offsets[-1] + len(line))
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._offsets[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNTRANSLATED_ELEMENTS:
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            human = name in HUMAN_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in BUTTON_TYPES)
            if human and value and words(value):
                self.found.append((self._offset(), f"{name}={value!r}"))

    def handle_endtag(self, tag: str) -> None:
        if tag in UNTRANSLATED_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and words(data):
            self.found.append((self._offset(), data.strip()))


def escapes_in(path: Path, root: Path, environment: Environment) -> list[Escape]:
    text, lines = skeleton(path.read_text(encoding="utf-8"), environment)
    name = str(path.relative_to(root))
    if path.suffix != ".html":
        found, offset = [], 0
        for line in text.splitlines(keepends=True):
            if words(line):
                found.append(Escape(name, lines[offset], line.strip()))
            offset += len(line)
        return found
    finder = _TextFinder()
    finder.feed_all(text)
    return [Escape(name, lines[min(offset, len(lines) - 1)] if lines else 1, found)
            for offset, found in finder.found]


def find_escapes(templates: Path) -> list[Escape]:
    environment = Environment(extensions=["jinja2.ext.i18n"])
    found: list[Escape] = []
    for path in sorted(templates.rglob("*")):
        if path.suffix in (".html", ".txt"):
            found.extend(escapes_in(path, templates, environment))
    return found


if __name__ == "__main__":  # python -m pbvote.i18n_check [templates-dir]
    from .config import PROJECT_ROOT

    escapes = find_escapes(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "templates")
    print("\n".join(map(str, escapes)) or "every template string is translatable")
    sys.exit(1 if escapes else 0)
