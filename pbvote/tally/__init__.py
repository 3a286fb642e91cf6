"""pbvote.tally — pure-Python participatory-budgeting tallies. Imports neither Flask nor SQLAlchemy; NumPy only for
the rules whose engines work on arrays (the Method of Equal Shares and sequential Phragmén).

Reading and writing pabulib files (:mod:`pbvote.tally.pabulib`)::

    from pbvote.tally import load, dumps
    election = load("Poland_Warszawa_2026.pb")    # a path, or .pb text
    election.meta["rule"], election.budget, election.projects[0].cost
    text = dumps(election)                        # every META key and column survives: loads(text) == election

``load``/``loads`` raise :class:`PabulibError` (a ``ValueError``) with ``.line`` and ``.reason`` for any
malformed input (``strict=True`` also for an approval ballot listing a project twice, which is otherwise
counted once and reported in ``election.warnings``); money is exact (``int``, or ``Fraction`` for decimals);
``dump(election, path)`` writes a file the ``pabulib-checker`` accepts.

The data model (:mod:`pbvote.tally.model`): :class:`Election` (META, :class:`Project` list, raw vote rows), its
aggregated :class:`Profile` (``election.profile``: identical ballots merged, projects by index, points where
given), and the :class:`Outcome` a rule returns: ``selected`` ids in selection order, ``spent``, ``budget``,
``tie_breaking`` and ``steps`` — one :class:`Step` per decision (action, project, cost, support, reason,
rule-specific ``details``). :func:`jsonable` turns an outcome into JSON-ready data (Fractions as "p/q").

Rules (:mod:`pbvote.tally.rules`): every rule is registered by id with typed parameters; run one with ::

    outcome = compute("greedy-exclusive", election, groups="773,153", tie_breaking="file-order")

``RULES`` / :func:`load_rules` list them (``greedy``, ``greedy-no-skip``, ``greedy-threshold``,
``greedy-exclusive``, and ``mes``, ``phragmen``, ``ear`` where installed); :func:`rule_for_meta` maps a file's
META ``rule`` (``equalshares/add1`` …) onto ``(rule id, params)``; :data:`TIE_BREAKINGS` are the tie orders
(default ``file-order``). A bad rule id or parameter raises :class:`RuleError`.

Explaining (:mod:`pbvote.tally.explain`): :func:`explain(outcome, election) <explain>` renders the trace as plain
text, one line per step, then the totals and the tie-breaking used.

Checking an official result (:mod:`pbvote.tally.official`): :func:`~pbvote.tally.official.check_official`
compares an outcome with a file's ``selected`` column and names the documented variants of the rule that
reproduce it.

Command line: ``pbvote tally FILE.pb [--rule ID] [--param key=value …] [--format text|json|csv] [--explain]
[--check-official] [--strict]`` (:mod:`pbvote.tally.cli`).
"""

from .explain import explain
from .model import Election, Outcome, Profile, Project, Step, build_profile, jsonable
from .pabulib import PabulibError, dump, dumps, load, loads
from .rules import RULES, Param, RuleError, compute, get_rule, load_rules, register, rule_for_meta
from .rules.ties import TIE_BREAKINGS, tie_ranks

__all__ = [
    "RULES",
    "TIE_BREAKINGS",
    "Election",
    "Outcome",
    "PabulibError",
    "Param",
    "Profile",
    "Project",
    "RuleError",
    "Step",
    "build_profile",
    "compute",
    "dump",
    "dumps",
    "explain",
    "get_rule",
    "jsonable",
    "load",
    "load_rules",
    "loads",
    "register",
    "rule_for_meta",
    "tie_ranks",
]
