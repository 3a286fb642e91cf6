"""The rule registry: every allocation rule under one signature, keyed by a stable id.

A rule is a function ``rule(election, *, tie_breaking, **params) -> Outcome``. It is registered with
:func:`register`, which records its typed parameters so that a round can store ``(rule_id, params)`` and the
CLI can coerce ``--param key=value`` strings. :func:`compute` is the one entry point callers use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import VOTE_TYPES, Election, Outcome
from .ties import TIE_BREAKINGS


class RuleError(ValueError):
    """An unknown rule, an unknown or invalid parameter, or a rule that cannot take this vote type."""


@dataclass(frozen=True)
class Param:
    """A typed rule parameter. ``type`` is int, str or bool; ``choices`` limits str values."""

    name: str
    type: type
    default: Any
    help: str = ""
    choices: tuple[str, ...] | None = None

    def coerce(self, value: Any) -> Any:
        if self.type is bool and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                raise RuleError(f"parameter {self.name!r} must be true or false, not {value!r}")
            value = lowered in {"true", "1", "yes"}
        elif self.type is int and not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except ValueError:
                raise RuleError(f"parameter {self.name!r} must be a whole number, not {value!r}") from None
        elif self.type is str:
            value = str(value)
        if self.choices is not None and value not in self.choices:
            raise RuleError(
                f"parameter {self.name!r} must be one of {', '.join(self.choices)}; got {value!r}"
            )
        return value


TIE_BREAKING_PARAM = Param(
    "tie_breaking",
    str,
    "file-order",
    "how equal candidates are ordered (see pbvote.tally.rules.ties)",
    tuple(TIE_BREAKINGS),
)


@dataclass(frozen=True)
class RuleSpec:
    id: str
    function: Callable[..., Outcome]
    params: tuple[Param, ...]
    vote_types: tuple[str, ...]
    description: str
    param_by_name: dict[str, Param] = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "param_by_name", {p.name: p for p in (TIE_BREAKING_PARAM, *self.params)})

    def resolve_params(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults filled in, values coerced to their types; unknown names refused."""
        unknown = sorted(set(given) - set(self.param_by_name))
        if unknown:
            known = ", ".join(sorted(self.param_by_name))
            raise RuleError(f"rule {self.id!r} has no parameter {unknown[0]!r} (it takes: {known})")
        return {
            name: param.coerce(given[name]) if name in given else param.default
            for name, param in self.param_by_name.items()
        }


RULES: dict[str, RuleSpec] = {}

# Modules that register rules on import; loaded on first use of the registry.
_RULE_MODULES = ("greedy", "mes", "phragmen", "ear")
_loaded = False


def register(
    rule_id: str,
    *,
    params: tuple[Param, ...] = (),
    vote_types: tuple[str, ...] = VOTE_TYPES,
    description: str = "",
) -> Callable[[Callable[..., Outcome]], Callable[..., Outcome]]:
    def decorate(function: Callable[..., Outcome]) -> Callable[..., Outcome]:
        RULES[rule_id] = RuleSpec(
            rule_id, function, params, vote_types, description or (function.__doc__ or "")
        )
        return function

    return decorate


def load_rules() -> dict[str, RuleSpec]:
    """Import every rule module (idempotent) and return the registry."""
    global _loaded
    if not _loaded:
        for name in _RULE_MODULES:
            try:
                importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{__name__}.{name}":
                    raise
        _loaded = True
    return RULES


def get_rule(rule_id: str) -> RuleSpec:
    family = rule_id.split("-")[0]  # greedy-threshold is registered by greedy
    if rule_id not in RULES and family in _RULE_MODULES:
        # Only the module the rule lives in: a greedy tally need not import MES's NumPy.
        importlib.import_module(f"{__name__}.{family}")
    if rule_id in RULES:
        return RULES[rule_id]
    rules = load_rules()
    if rule_id not in rules:
        raise RuleError(f"unknown rule {rule_id!r}; known rules: {', '.join(sorted(rules))}")
    return rules[rule_id]


# META ``rule`` values (pabulib.org/format, and the pabulib-checker's list) → (rule id, params).
# "unknown" and "greedy-custom" (a city's own variant, described only in the comment) have no default.
META_RULES: dict[str, tuple[str, dict[str, str]]] = {
    "greedy": ("greedy", {}),
    "greedy-no-skip": ("greedy-no-skip", {}),
    "greedy-threshold": ("greedy-threshold", {}),
    # The exclusive groups are only described in the file's comment: pass them as ``groups``.
    "greedy-exclusive": ("greedy-exclusive", {}),
    # pabulib's equalshares/add1 is the pabulib checker's add1, and its comparison counts funded projects
    "equalshares": ("mes", {"completion": "none", "comparison": "none"}),
    "equalshares/add1": ("mes", {"completion": "add1", "comparison": "none", "add1_variant": "checker"}),
    "equalshares/add1u": ("mes", {"completion": "add1u", "comparison": "none"}),
    "equalshares-comparison": (
        "mes",
        {"completion": "none", "comparison": "greedy", "comparison_measure": "count"},
    ),
    "equalshares/add1-comparison": (
        "mes",
        {
            "completion": "add1",
            "comparison": "greedy",
            "comparison_measure": "count",
            "add1_variant": "checker",
        },
    ),
    "equalshares/add1u-comparison": (
        "mes",
        {"completion": "add1u", "comparison": "greedy", "comparison_measure": "count"},
    ),
    "phragmen": ("phragmen", {}),
    "seq-phragmen": ("phragmen", {}),
}


def rule_for_meta(meta: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """The (rule id, params) that META ``rule`` names, or ``None`` when it names none we know (e.g. "unknown")."""
    name = meta.get("rule", "").strip().lower()
    if name not in META_RULES:
        return None
    rule_id, params = META_RULES[name]
    return rule_id, dict(params)


def compute(rule_id: str, election: Election, **params: Any) -> Outcome:
    """Run rule ``rule_id`` on ``election`` with ``params`` (strings are coerced to the declared types)."""
    spec = get_rule(rule_id)
    if election.vote_type not in spec.vote_types:
        raise RuleError(
            f"rule {rule_id!r} does not apply to {election.vote_type} ballots "
            f"(it takes: {', '.join(spec.vote_types)})"
        )
    resolved = spec.resolve_params(params)
    return spec.function(election, **resolved)
