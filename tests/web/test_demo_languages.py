"""The demo in Welsh and in Polish (issue 14): every page the demo's roles reach, asked for with
``Accept-Language: cy`` / ``pl``, says ``<html lang>`` right and shows no English interface text.

English interface text is found two ways, so neither a string that was marked but rendered before the language
was known (a lazy string forced at import, a message built in the wrong locale) nor one never marked at all
slips through:

- a text node equal to an English msgid whose translation differs (or starting with the literal head of a
  msgid with placeholders);
- a text node equal to, or starting with, a sentence written as a string literal in the web code (three words
  or more) that is not a msgid.

People's own texts are not interface text: the demo's content (``pbvote/*/demo.py``) is left out of the code's
sentences, and left out of the pages are: text inside an element marked with another ``lang`` (a round or
proposal shown in its original language), Markdown people wrote (``.prose``), and text equal to a name people
gave (budgets, districts, categories, cost lines).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from pbvote.config import PROJECT_ROOT
from pbvote.demo import DEMO_PASSWORD, seed_demo
from tests.demo_pages import DEMO_ROLES, client_fetch, crawl

START = ("/", "/sign-in", "/register", "/account/profile", "/account/mail", "/notifications",
         "/organisations/riverside/rounds", "/organisations/riverside/members", "/no-such-page")
TRANSLATIONS = PROJECT_ROOT / "pbvote" / "translations"
_SPACES = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def english_msgids(locale: str) -> tuple[set[str], set[str]]:
    """Msgids translated differently in ``locale`` (and not the same as any of its translations): whole ones,
    and the literal heads of those with placeholders (at least three words)."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    whole, heads, translations = set(), set(), set()
    for message in catalogue:
        translations.update(normalise(form) for form in (message.string if isinstance(message.string, tuple)
                                                          else (message.string,)) if form)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if not msgid or msgid in forms:
                continue
            head = normalise(_PLACEHOLDER.split(msgid)[0])
            if not _PLACEHOLDER.search(msgid):
                whole.add(normalise(msgid))
            elif len(head.split()) >= 3:
                heads.add(head)
    return whole - translations, heads  # "Role" is English for one and Polish for several


def code_sentences(known: set[str]) -> set[str]:
    """Sentences written as string literals in the web code (not docstrings, not demo content, not msgids)."""
    sentences = set()
    for path in (PROJECT_ROOT / "pbvote").rglob("*.py"):
        relative = path.relative_to(PROJECT_ROOT / "pbvote")
        if relative.parts[0] in ("tally", "migrations") or path.name in ("demo.py", "cli.py"):
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                text = normalise(_PLACEHOLDER.split(node.value)[0])
                if len(text.split()) >= 3 and text[0].isupper() and text not in known:
                    sentences.add(text)
    return sentences


class _Text(HTMLParser):
    """Visible text nodes of a page, leaving out scripts, styles, code and elements in another language."""

    SKIP = frozenset({"script", "style", "code", "kbd", "samp", "pre"})
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                      "track", "wbr"})

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[bool] = []  # per open element: is its text left out?
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        lang = attributes.get("lang")
        skipped = (tag in self.SKIP or (tag != "html" and lang is not None and lang != self.lang)
                   or "prose" in (attributes.get("class") or "").split())
        self.stack.append(skipped or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        text = normalise(data)
        if text and not (self.stack and self.stack[-1]):
            self.nodes.append(text)


def text_nodes(html: str, lang: str) -> list[str]:
    parser = _Text(lang)
    parser.feed(html)
    return parser.nodes


def names_people_gave() -> set[str]:
    from sqlalchemy import select

    from pbvote.extensions import db
    from pbvote.proposals.models import CostItem
    from pbvote.rounds.models import Budget, Category, District

    columns = (Budget.name, District.name, Category.name, CostItem.description)
    return {normalise(name) for column in columns for name in db.session.scalars(select(column))}


@pytest.fixture
def demo(app, db):
    return seed_demo()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("locale", ["cy", "pl"])
def test_the_demo_shows_no_english_interface_text(app, auth, demo, locale):
    whole, heads = english_msgids(locale)
    sentences = code_sentences(whole)
    whole -= names_people_gave()
    leaks: dict[str, set[str]] = {}
    pages = 0
    for role, email in DEMO_ROLES.items():
        client = app.test_client()
        if email:
            auth.login(demo.users[email], DEMO_PASSWORD, client=client)
        for page in crawl(client_fetch(client, {"Accept-Language": locale}), app.url_map, role, START,
                          per_endpoint=2):
            pages += 1
            html = client.get(page.url, headers={"Accept-Language": locale}).get_data(as_text=True)
            assert f'<html lang="{locale}">' in html, page
            for node in text_nodes(html, locale):
                if node in whole or node in sentences or any(node.startswith(head) for head in heads) \
                        or any(node.startswith(sentence) for sentence in sentences):
                    leaks.setdefault(node, set()).add(f"{role} {page.url}")
    assert pages > 50
    assert not leaks, f"English on {locale} pages:\n" + "\n".join(
        f"{text!r} on {sorted(where)[:3]}" for text, where in sorted(leaks.items()))
