"""The tally package stays pure: no module under pbvote/tally imports Flask or SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

import pbvote.tally

FORBIDDEN = {"flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf"}
TALLY = Path(pbvote.tally.__file__).parent


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_tally_module_imports_flask_or_sqlalchemy():
    modules = sorted(TALLY.rglob("*.py"))
    assert len(modules) >= 6
    offenders = {
        str(path.relative_to(TALLY)): sorted(imported_top_level_names(path) & FORBIDDEN) for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_scan_would_catch_an_import(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from flask import current_app\n    import sqlalchemy.orm\n", encoding="utf-8"
    )
    assert imported_top_level_names(sample) == {"flask", "sqlalchemy"}
