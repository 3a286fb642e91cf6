"""paper ballots: double-entered paper ballots and their entries, the round's paper policy, and voters named by
a roll entry (a roll voter without an account)

Revision ID: 5e7a1c3b9d24
Revises: 47f0d792ca43
Create Date: 2026-12-02 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e7a1c3b9d24'
down_revision = '47f0d792ca43'
branch_labels = None
depends_on = None

NOT_DISCARDED = sa.text("status <> 'discarded'")


def upgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_policy', sa.String(length=20), nullable=False,
                                      server_default='one_channel'))
        batch_op.create_check_constraint('paper_policy_known', "paper_policy IN ('one_channel', 'latest_counts')")

    with op.batch_alter_table('round_voter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roll_entry_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_round_voter_roll_entry_id'), ['roll_entry_id'])
        batch_op.create_foreign_key(batch_op.f('fk_round_voter_roll_entry_id_voter_roll_entry'), 'voter_roll_entry',
                                    ['roll_entry_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('user_or_roll_entry', 'user_id IS NOT NULL OR roll_entry_id IS NOT NULL')
    # Roll voters registered so far are linked to their roll line (found by their address).
    op.execute(
        "UPDATE round_voter SET roll_entry_id = (SELECT e.id FROM voter_roll_entry e JOIN user_account u "
        "ON e.identifier = u.email WHERE e.round_id = round_voter.round_id AND u.id = round_voter.user_id) "
        "WHERE source = 'roll'"
    )

    op.create_table('paper_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('roll_entry_id', sa.Integer(), nullable=True),
    sa.Column('voter_code_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('discard_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(roll_entry_id IS NOT NULL AND voter_code_id IS NULL) OR (roll_entry_id IS NULL AND voter_code_id IS NOT NULL)", name=op.f('ck_paper_ballot_one_voter_identity')),
    sa.CheckConstraint("status IN ('awaiting_second', 'mismatch', 'counted', 'discarded')", name=op.f('ck_paper_ballot_status_known')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name=op.f('fk_paper_ballot_ballot_id_ballot'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['budget_id'], ['budget.id'], name=op.f('fk_paper_ballot_budget_id_budget'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['roll_entry_id'], ['voter_roll_entry.id'], name=op.f('fk_paper_ballot_roll_entry_id_voter_roll_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_paper_ballot_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_code_id'], ['voter_code.id'], name=op.f('fk_paper_ballot_voter_code_id_voter_code'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_ballot'))
    )
    with op.batch_alter_table('paper_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_ballot_round_id'), ['round_id'], unique=False)
        batch_op.create_index('uq_paper_ballot_roll_entry', ['budget_id', 'roll_entry_id'], unique=True,
                              sqlite_where=NOT_DISCARDED, postgresql_where=NOT_DISCARDED)
        batch_op.create_index('uq_paper_ballot_voter_code', ['budget_id', 'voter_code_id'], unique=True,
                              sqlite_where=NOT_DISCARDED, postgresql_where=NOT_DISCARDED)

    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_ballot_id', sa.Integer(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_paper_entry_entered_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['paper_ballot_id'], ['paper_ballot.id'], name=op.f('fk_paper_entry_paper_ballot_id_paper_ballot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
    sa.UniqueConstraint('paper_ballot_id', 'entered_by_id', name=op.f('uq_paper_entry_paper_ballot_id_entered_by_id'))
    )


def downgrade():
    op.drop_table('paper_entry')
    with op.batch_alter_table('paper_ballot', schema=None) as batch_op:
        batch_op.drop_index('uq_paper_ballot_voter_code', sqlite_where=NOT_DISCARDED, postgresql_where=NOT_DISCARDED)
        batch_op.drop_index('uq_paper_ballot_roll_entry', sqlite_where=NOT_DISCARDED, postgresql_where=NOT_DISCARDED)
        batch_op.drop_index(batch_op.f('ix_paper_ballot_round_id'))
    op.drop_table('paper_ballot')
    # Voters without an account exist only through paper ballots; they go with them.
    op.execute("DELETE FROM round_voter WHERE user_id IS NULL")
    with op.batch_alter_table('round_voter', schema=None) as batch_op:
        batch_op.drop_constraint('user_or_roll_entry', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_round_voter_roll_entry_id_voter_roll_entry'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_round_voter_roll_entry_id'), type_='unique')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('roll_entry_id')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint('paper_policy_known', type_='check')
        batch_op.drop_column('paper_policy')
