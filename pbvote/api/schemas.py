"""What the API accepts and returns (marshmallow): the request bodies are validated with these, and the
OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..rounds.voters import MAX_CODES_PER_BATCH

DB_ID = validate.Range(min=1, max=2**31 - 1)
MAX_CHOICES = 500


def _id(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=DB_ID, **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details: every error of the API."""

    type = fields.String(required=True, metadata={"description": "about:blank: the status says what happened"})
    title = fields.String(required=True, metadata={"description": "The HTTP status phrase"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What went wrong, for people"})
    errors = fields.Raw(metadata={"description": "For invalid input: the fields and what is wrong with them"})


class CodeSignInSchema(Schema):
    round_id = _id(required=True, metadata={"description": "The round the code's letter is for"})
    code = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "The one-time voter code as printed (dashes and spaces allowed)"})


class AccountSignInSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as Authorization: Bearer <token>"})
    token_type = fields.String(required=True, metadata={"description": "Always Bearer"})
    kind = fields.String(required=True, validate=validate.OneOf(["voter_code", "password"]))
    expires_at = fields.DateTime(required=True)


class RoundSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True)
    currency = fields.String(required=True)


class RulesSchema(Schema):
    """A budget's ballot rules (``null``: no limit). Money in minor units (cents)."""

    ballot_type = fields.String(required=True, validate=validate.OneOf(["approval", "ranked", "knapsack", "points"]))
    min_choices = fields.Integer(required=True)
    max_choices = fields.Integer(required=True, allow_none=True)
    min_spend = fields.Integer(required=True)
    points_total = fields.Integer(required=True, allow_none=True)
    points_per_project_max = fields.Integer(required=True, allow_none=True)
    points_per_rank = fields.List(fields.Integer(), required=True)


class ProjectSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    cost = fields.Integer(required=True, metadata={"description": "Minor units (cents)"})
    category_id = fields.Integer(required=True, allow_none=True)
    district_id = fields.Integer(required=True, allow_none=True)


class BudgetBallotSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    scope = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Minor units (cents)"})
    how_to = fields.String(required=True, metadata={"description": "How to fill in this ballot, in plain words"})
    explanation = fields.String(required=True)
    rules = fields.Nested(RulesSchema, required=True)
    projects = fields.List(fields.Nested(ProjectSchema), required=True)
    has_ballot = fields.Boolean(required=True, metadata={"description": "The voter has a current ballot here"})


class BallotDefinitionSchema(Schema):
    round = fields.Nested(RoundSchema, required=True)
    budgets = fields.List(fields.Nested(BudgetBallotSchema), required=True,
                          metadata={"description": "Every budget this voter may vote in"})


class BallotInputSchema(Schema):
    choices = fields.List(_id(), required=True, validate=validate.Length(max=MAX_CHOICES),
                          metadata={"description": "Project ids; in rank order on ranked ballots"})
    points = fields.List(fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000)),
                         allow_none=True, load_default=None, validate=validate.Length(max=MAX_CHOICES),
                         metadata={"description": "Points ballots only: each choice's points, in the same order"})


class ReceiptSchema(Schema):
    round_id = fields.Integer(required=True)
    budget_id = fields.Integer(required=True)
    budget_name = fields.String(required=True)
    tracking_code = fields.String(required=True, metadata={"description": "Shown this once: keep it"})
    cast_at = fields.DateTime(required=True)
    replaced = fields.Boolean(required=True, metadata={"description": "This ballot replaces an earlier one"})


class CurrentBallotSchema(Schema):
    """The voter's own current ballot (without its tracking code, which is shown only at casting)."""

    round_id = fields.Integer(required=True)
    budget_id = fields.Integer(required=True)
    choices = fields.List(fields.Integer(), required=True)
    points = fields.List(fields.Integer(), required=True, allow_none=True)
    cast_at = fields.DateTime(required=True)


class VoterCodesInputSchema(Schema):
    count = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_CODES_PER_BATCH))
    district_id = _id(allow_none=True, load_default=None,
                      metadata={"description": "Required when the round has districts"})


class IssuedCodeSchema(Schema):
    code = fields.String(required=True, metadata={"description": "As printed on the letter"})
    district = fields.String(required=True, allow_none=True)


class VoterCodesSchema(Schema):
    round_id = fields.Integer(required=True)
    codes = fields.List(fields.Nested(IssuedCodeSchema), required=True,
                        metadata={"description": "In clear this once; only their hashes are kept"})


class BudgetCountSchema(Schema):
    budget_id = fields.Integer(required=True)
    name = fields.String(required=True)
    ballots = fields.Integer(required=True, metadata={"description": "Current ballots counted"})
    selected = fields.List(fields.Integer(), required=True, metadata={"description": "Funded project ids"})


class RoundStateSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    budgets = fields.List(fields.Nested(BudgetCountSchema), required=True,
                          metadata={"description": "After closing: each budget's count and outcome (else empty)"})
