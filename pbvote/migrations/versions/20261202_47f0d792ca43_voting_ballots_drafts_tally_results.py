"""voting: ballots (one current per voter and budget, by a partial unique index), drafts, tally results

The partial unique index uq_ballot_current is the guarantee that a voter has at most one counted ballot per
budget, however many requests race.

Revision ID: 47f0d792ca43
Revises: 29d459e0d036
Create Date: 2026-12-02 13:23:52.787731

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '47f0d792ca43'
down_revision = '29d459e0d036'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('tracking_code', sa.String(length=32), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('web', 'api', 'paper')", name=op.f('ck_ballot_channel_known')),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_ballot_budget_id_budget'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_ballot_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['round_voter.id'], name=op.f('fk_ballot_voter_id_round_voter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_ballot_tracking_code'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_budget_superseded', ['budget_id', 'superseded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ballot_voter_id'), ['voter_id'], unique=False)
        batch_op.create_index('uq_ballot_current', ['budget_id', 'voter_id'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('ballot_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_ballot_draft_budget_id_budget'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['round_voter.id'], name=op.f('fk_ballot_draft_voter_id_round_voter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_draft')),
    sa.UniqueConstraint('budget_id', 'voter_id', name=op.f('uq_ballot_draft_budget_id_voter_id'))
    )
    op.create_table('tally_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=40), nullable=False),
    sa.Column('rule_params', sa.JSON(), nullable=False),
    sa.Column('tie_breaking', sa.String(length=40), nullable=False),
    sa.Column('ballots_counted', sa.Integer(), nullable=False),
    sa.Column('selected', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=False),
    sa.Column('pbvote_version', sa.String(length=20), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_tally_result_budget_id_budget'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_result')),
    sa.UniqueConstraint('budget_id', name=op.f('uq_tally_result_budget_id'))
    )


def downgrade():
    op.drop_table('tally_result')
    op.drop_table('ballot_draft')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index('uq_ballot_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_ballot_voter_id'))
        batch_op.drop_index('ix_ballot_budget_superseded')

    op.drop_table('ballot')
