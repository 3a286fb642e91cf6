"""Catalogue completeness: no template or Python string escapes translation, the catalogue template is up to date
with the code, and the Welsh and Polish catalogues translate every message, every plural form, with the same
placeholders as the English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from pbvote.config import PROJECT_ROOT
from pbvote.i18n_check import find_escapes

TRANSLATIONS = PROJECT_ROOT / "pbvote" / "translations"
TRANSLATED_LOCALES = ("cy", "pl")
#: The extraction `make messages` runs (keep the two in step). Babel skips folders named ``_*`` unless told
#: which to ignore (``templates/_partials`` is one).
KEYWORDS = ["-k", "_l", "-k", "_n:1,2", "-k", "counted:2,3", "--ignore-dirs", ".* __pycache__"]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

#: Web-facing Python: everything but the tally engine (English for auditors' CLI), the CLI and migrations.
NOT_WEB_FACING = ("tally", "migrations", "cli.py", "launcher.py", "demo.py", "demo_data", "audit")


def read_catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def extract(output: Path) -> None:
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(PROJECT_ROOT / "babel.cfg"), *KEYWORDS,
                                "--no-location", "--sort-output", "-o", str(output), str(PROJECT_ROOT)])


def msgids(catalogue) -> set:
    return {message.id for message in catalogue if message.id}


def test_every_template_string_is_translatable():
    escapes = find_escapes(PROJECT_ROOT / "templates")
    assert not escapes, "Text outside {{ _() }} / {% trans %}:\n" + "\n".join(map(str, escapes))


def test_the_catalogue_template_holds_every_message_of_the_code(tmp_path):
    extracted = tmp_path / "messages.pot"
    extract(extracted)
    missing = msgids(read_catalogue(extracted)) - msgids(read_catalogue(TRANSLATIONS / "messages.pot"))
    assert not missing, f"run `make messages` and translate: {sorted(missing)[:20]}"


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_the_catalogue_translates_every_message(locale):
    template = read_catalogue(TRANSLATIONS / "messages.pot")
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
            continue
        forms = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if translated.fuzzy or not all(forms):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
            continue
        if message.pluralizable and len(forms) != catalogue.num_plurals:
            problems.append(f"{len(forms)} plural forms of {catalogue.num_plurals}: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_PLACEHOLDER.findall(ids[-1]))
        for form in forms:
            if set(_PLACEHOLDER.findall(form)) - wanted or (not message.pluralizable
                                                             and set(_PLACEHOLDER.findall(form)) != wanted):
                problems.append(f"placeholders differ: {message.id!r} → {form!r}")
    assert not problems, f"{locale}: " + "\n".join(problems[:40])


def _literal(node: ast.AST | None) -> bool:
    """A string written in the code (not a call of ``_``/``_l``)."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)
                                               and bool(re.search(r"[^\W\d_]{2,}", node.value)))


def untranslated_calls(source: str) -> list[tuple[int, str]]:
    """Flash messages and form texts written as plain strings: ``flash("Saved.")``, ``StringField("Title")``,
    ``DataRequired(message="…")``, ``description="…"``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "flash" and node.args and _literal(node.args[0]):
            found.append((node.lineno, "flash message"))
        field = name.endswith("Field")
        if field and node.args and _literal(node.args[0]):
            found.append((node.lineno, f"{name} label"))
        for keyword in node.keywords:
            if keyword.arg in (("label", "description", "message") if field else ("message",)) \
                    and _literal(keyword.value):
                found.append((node.lineno, f"{keyword.arg}="))
    return found


def test_flash_messages_and_form_texts_are_translatable():
    problems = []
    for path in sorted((PROJECT_ROOT / "pbvote").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT / "pbvote")
        if relative.parts[0] in NOT_WEB_FACING:
            continue
        problems.extend(f"{relative}:{line}: {what}" for line, what in untranslated_calls(path.read_text()))
    assert not problems, "Wrap in _() / _l():\n" + "\n".join(problems)


def test_the_check_finds_an_untranslated_flash_and_label():
    source = ('flash("Saved.")\nflash(_("Saved."))\nname = StringField("Name")\nDataRequired(message=f"x {y}")\n'
              'TextAreaField(_l("Text"), description="Markdown")\nRound(description="Stored text")')
    assert [what for _, what in untranslated_calls(source)] == [
        "flash message", "StringField label", "message=", "description="]
