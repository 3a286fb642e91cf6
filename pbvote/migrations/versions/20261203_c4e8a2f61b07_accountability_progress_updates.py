"""accountability: progress updates on funded projects; notifications of them

Revision ID: c4e8a2f61b07
Revises: 5b1e3c7a9d24
Create Date: 2026-12-03 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e8a2f61b07'
down_revision = '5b1e3c7a9d24'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('reply', 'on_own_proposal', 'on_followed', 'moderation')"
KINDS_AFTER = "kind IN ('reply', 'on_own_proposal', 'on_followed', 'moderation', 'project_update')"


def upgrade():
    op.create_table('progress_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('image_filename', sa.String(length=64), nullable=True),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'delivered', 'cancelled')", name=op.f('ck_progress_update_status_known')),
    sa.CheckConstraint('spent >= 0', name=op.f('ck_progress_update_spent_not_negative')),
    sa.CheckConstraint("status <> 'cancelled' OR (reason IS NOT NULL AND reason <> '')", name=op.f('ck_progress_update_cancelled_has_reason')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_progress_update_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_progress_update_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_progress_update_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_update'))
    )
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.create_index('ix_progress_update_proposal_reported', ['proposal_id', 'reported_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_update_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', KINDS_AFTER)


def downgrade():
    op.execute("DELETE FROM notification WHERE kind = 'project_update'")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', KINDS_BEFORE)

    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_update_round_id'))
        batch_op.drop_index('ix_progress_update_proposal_reported')

    op.drop_table('progress_update')
