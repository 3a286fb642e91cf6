"""proposals: proposals with cost items, co-authors, revisions, status history and exclusion groups

Indexes serve the list page: every query filters by round first, then sorts by date, cost or comments.

Revision ID: 29d459e0d036
Revises: 2d0c645e051a
Create Date: 2026-11-23 10:25:23.856193

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '29d459e0d036'
down_revision = '2d0c645e051a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal_exclusion_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_proposal_exclusion_group_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_proposal_exclusion_group_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_exclusion_group'))
    )
    with op.batch_alter_table('proposal_exclusion_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_exclusion_group_round_id'), ['round_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('total_cost', sa.BigInteger(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('image_filename', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('comment_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'withdrawn', 'feasible', 'not_feasible', 'merged')", name=op.f('ck_proposal_status_known')),
    sa.CheckConstraint('comment_count >= 0', name=op.f('ck_proposal_comment_count_not_negative')),
    sa.CheckConstraint('merged_into_id IS NULL OR merged_into_id <> id', name=op.f('ck_proposal_not_merged_into_itself')),
    sa.CheckConstraint('total_cost >= 0', name=op.f('ck_proposal_total_cost_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_proposal_author_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_proposal_category_id_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_proposal_district_id_district'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposal.id'], name=op.f('fk_proposal_merged_into_id_proposal'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_proposal_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_proposal_round_category', ['round_id', 'category_id'], unique=False)
        batch_op.create_index('ix_proposal_round_comments', ['round_id', 'comment_count'], unique=False)
        batch_op.create_index('ix_proposal_round_cost', ['round_id', 'total_cost'], unique=False)
        batch_op.create_index('ix_proposal_round_created', ['round_id', 'created_at'], unique=False)
        batch_op.create_index('ix_proposal_round_district', ['round_id', 'district_id'], unique=False)
        batch_op.create_index('ix_proposal_round_status', ['round_id', 'status'], unique=False)

    op.create_table('proposal_coauthor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('invited', 'accepted', 'declined')", name=op.f('ck_proposal_coauthor_status_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_proposal_coauthor_email_lowercase')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_proposal_coauthor_invited_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_coauthor_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_proposal_coauthor_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_coauthor')),
    sa.UniqueConstraint('proposal_id', 'email', name=op.f('uq_proposal_coauthor_proposal_id_email'))
    )
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_coauthor_user_id'), ['user_id'], unique=False)

    op.create_table('proposal_cost_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_proposal_cost_item_amount_not_negative')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_cost_item_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_cost_item')),
    sa.UniqueConstraint('proposal_id', 'position', name=op.f('uq_proposal_cost_item_proposal_id_position'))
    )
    op.create_table('proposal_exclusion_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['proposal_exclusion_group.id'], name=op.f('fk_proposal_exclusion_member_group_id_proposal_exclusion_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_exclusion_member_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'proposal_id', name=op.f('pk_proposal_exclusion_member'))
    )
    with op.batch_alter_table('proposal_exclusion_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_exclusion_member_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('submitted', 'edited', 'cost_revised')", name=op.f('ck_proposal_revision_kind_known')),
    sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_proposal_revision_editor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_revision_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_revision')),
    sa.UniqueConstraint('proposal_id', 'number', name=op.f('uq_proposal_revision_proposal_id_number'))
    )
    op.create_table('proposal_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("to_status IN ('submitted', 'withdrawn', 'feasible', 'not_feasible', 'merged')", name=op.f('ck_proposal_status_change_to_status_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_proposal_status_change_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_status_change_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_status_change'))
    )
    with op.batch_alter_table('proposal_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_status_change_proposal_id'), ['proposal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('proposal_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_status_change_proposal_id'))

    op.drop_table('proposal_status_change')
    op.drop_table('proposal_revision')
    with op.batch_alter_table('proposal_exclusion_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_exclusion_member_proposal_id'))

    op.drop_table('proposal_exclusion_member')
    op.drop_table('proposal_cost_item')
    with op.batch_alter_table('proposal_coauthor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_coauthor_user_id'))

    op.drop_table('proposal_coauthor')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_round_status')
        batch_op.drop_index('ix_proposal_round_district')
        batch_op.drop_index('ix_proposal_round_created')
        batch_op.drop_index('ix_proposal_round_cost')
        batch_op.drop_index('ix_proposal_round_comments')
        batch_op.drop_index('ix_proposal_round_category')
        batch_op.drop_index(batch_op.f('ix_proposal_author_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('proposal_exclusion_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_exclusion_group_round_id'))

    op.drop_table('proposal_exclusion_group')
