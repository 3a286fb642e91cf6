"""Every CSS class the templates use has a rule in the one stylesheet, static/css/pbvote.css (issue 17, item 4).

Classes are read from ``class="…"`` attributes and from ``class_='…'`` arguments (WTForms fields and the
``forms.submit`` macro). Jinja inside an attribute is resolved:

- ``{% if … %} name{% endif %}`` (and ``{% else %}``): every literal branch counts;
- ``prefix{{ 'a' if … else 'b' }}``: each string literal in the expression, joined to the text around it;
- ``prefix{{ value }}`` with no literal: the prefix's known values from :data:`DYNAMIC_VALUES` (taken from the
  enums the value comes from); an unknown prefix fails the test, so a new one must be added there.

Skipped, on purpose: ``class="{{ class_ }}"`` inside ``forms.submit`` (its values are the ``class_=`` arguments
read at the call sites).
"""

from __future__ import annotations

import re
from pathlib import Path

from pbvote.accountability.models import DeliveryStatus
from pbvote.deliberation.models import STANCE_VALUES
from pbvote.deliberation.operations import MAX_DEPTH
from pbvote.proposals.models import ProposalStatus

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STYLESHEET = ROOT / "static" / "css" / "pbvote.css"

#: Values a ``prefix{{ expression }}`` class can take, by prefix.
DYNAMIC_VALUES = {
    "status--": tuple(status.value for status in ProposalStatus),
    "stance--": STANCE_VALUES,
    "comment--": STANCE_VALUES,
    "comment--depth-": tuple(str(depth) for depth in range(MAX_DEPTH + 1)),
    "delivery-status--": tuple(status.value for status in DeliveryStatus),
}
#: Whole-attribute expressions whose values are collected elsewhere (see the module docstring).
SKIPPED_EXPRESSIONS = {"class_"}

ATTRIBUTE = re.compile(r"""\bclass="([^"]*)"|\bclass_=(['"])(.*?)\2""")
STATEMENT = re.compile(r"{%-?.*?-?%}", re.DOTALL)
EXPRESSION = re.compile(r"{{-?\s*(.*?)\s*-?}}", re.DOTALL)
STRING_LITERAL = re.compile(r"""'([^']*)'|"([^"]*)\"""")


def _expand_token(token: str) -> set[str]:
    """The class names one whitespace-free token of an attribute stands for."""
    match = EXPRESSION.search(token)
    if match is None:
        return {token}
    prefix, suffix, expression = token[: match.start()], token[match.end():], match.group(1)
    literals = [single or double for single, double in STRING_LITERAL.findall(expression)]
    if literals:
        values = literals
    elif not prefix and not suffix and expression in SKIPPED_EXPRESSIONS:
        return set()
    else:
        assert prefix in DYNAMIC_VALUES, f"cannot resolve the class {token!r}: add its prefix to DYNAMIC_VALUES"
        values = DYNAMIC_VALUES[prefix]
    return {name for value in values for name in _expand_token(prefix + value + suffix) if name}


def classes_in_templates() -> dict[str, set[str]]:
    """Class name → the templates (relative paths) that use it."""
    used: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for match in ATTRIBUTE.finditer(source):
            attribute = match.group(1) if match.group(1) is not None else match.group(3)
            # Expressions may contain spaces: protect them before splitting the attribute into tokens.
            attribute = STATEMENT.sub(" ", attribute)
            attribute = EXPRESSION.sub(lambda m: "{{" + m.group(1).replace(" ", "\0") + "}}", attribute)
            for token in attribute.split():
                for name in _expand_token(token.replace("\0", " ")):
                    used.setdefault(name, set()).add(str(path.relative_to(TEMPLATES)))
    return used


def classes_in_stylesheet() -> set[str]:
    """Every class name that appears in a selector of the stylesheet."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.DOTALL)
    selectors = re.findall(r"([^{}]+){", css)
    return {name for selector in selectors for name in re.findall(r"\.(-?[A-Za-z_][\w-]*)", selector)}


def test_the_template_scan_resolves_jinja_classes():
    used = classes_in_templates()
    assert {"flash--success", "flash--info", "status--not_feasible", "stance--question", "comment--focused",
            "button--danger", "field__control", "bar-funded", "lifecycle__current"} <= used.keys()
    assert not any("{" in name or "%" in name for name in used)


def test_every_class_used_in_templates_has_a_rule():
    styled = classes_in_stylesheet()
    missing = {name: places for name, places in classes_in_templates().items() if name not in styled}
    assert not missing, "classes used in templates without a rule in static/css/pbvote.css:\n" + "\n".join(
        f"  .{name}  ({', '.join(sorted(places))})" for name, places in sorted(missing.items())
    )
