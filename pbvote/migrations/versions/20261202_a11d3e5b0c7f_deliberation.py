"""deliberation: comments with stances and versions, helpful marks, flags, appeals, moderation log, posting
blocks, per-round settings, follows, notifications and mail preferences

Keyset indexes serve the thread pages: top-level comments by (proposal, depth, id) and by helpfulness; replies
by their thread's root.

Revision ID: a11d3e5b0c7f
Revises: 5e7a1c3b9d24
Create Date: 2026-12-02 13:24:46.968782

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a11d3e5b0c7f'
down_revision = '5e7a1c3b9d24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('reply', 'on_own_proposal', 'on_followed', 'moderation')", name=op.f('ck_notification_kind_known')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('notification_mail_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_mail_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_mail_preference'))
    )
    op.create_table('posting_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['user_account.id'], name=op.f('fk_posting_block_moderator_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_posting_block_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_posting_block_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting_block'))
    )
    with op.batch_alter_table('posting_block', schema=None) as batch_op:
        batch_op.create_index('ix_posting_block_user_organisation', ['user_id', 'organisation_id'], unique=False)

    op.create_table('deliberation_settings',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('comment_states', sa.JSON(), nullable=False),
    sa.Column('flag_threshold', sa.Integer(), nullable=False),
    sa.Column('premoderate_first', sa.Integer(), nullable=False),
    sa.CheckConstraint('flag_threshold >= 1 AND flag_threshold <= 100', name=op.f('ck_deliberation_settings_flag_threshold_range')),
    sa.CheckConstraint('premoderate_first >= 0 AND premoderate_first <= 100', name=op.f('ck_deliberation_settings_premoderate_first_range')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_deliberation_settings_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_deliberation_settings'))
    )
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('root_id', sa.Integer(), nullable=True),
    sa.Column('reply_to_id', sa.Integer(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('moderation_reason', sa.Text(), nullable=True),
    sa.Column('helpful_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("stance IN ('for', 'against', 'question', 'neutral')", name=op.f('ck_comment_stance_known')),
    sa.CheckConstraint("status IN ('visible', 'pending', 'flagged', 'hidden', 'deleted')", name=op.f('ck_comment_status_known')),
    sa.CheckConstraint('(depth = 1) = (parent_id IS NULL)', name=op.f('ck_comment_parent_matches_depth')),
    sa.CheckConstraint('depth >= 1 AND depth <= 3', name=op.f('ck_comment_depth_range')),
    sa.CheckConstraint('helpful_count >= 0', name=op.f('ck_comment_helpful_count_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_comment_author_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], name=op.f('fk_comment_parent_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_comment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_to_id'], ['comment.id'], name=op.f('fk_comment_reply_to_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['root_id'], ['comment.id'], name=op.f('fk_comment_root_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_comment_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_comment_proposal_depth_helpful', ['proposal_id', 'depth', 'helpful_count', 'id'], unique=False)
        batch_op.create_index('ix_comment_proposal_depth_id', ['proposal_id', 'depth', 'id'], unique=False)
        batch_op.create_index('ix_comment_proposal_status_stance', ['proposal_id', 'status', 'stance', 'helpful_count', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_root_id'), ['root_id'], unique=False)
        batch_op.create_index('ix_comment_round_status', ['round_id', 'status'], unique=False)

    op.create_table('proposal_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_follow_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_proposal_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_follow')),
    sa.UniqueConstraint('user_id', 'proposal_id', name=op.f('uq_proposal_follow_user_id_proposal_id'))
    )
    with op.batch_alter_table('proposal_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_follow_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('comment_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_appeal_comment_id_comment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_appeal')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_comment_appeal_comment_id'))
    )
    op.create_table('comment_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('spam', 'abuse', 'off_topic', 'personal_data', 'other')", name=op.f('ck_comment_flag_reason_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_flag_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_comment_flag_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_flag')),
    sa.UniqueConstraint('comment_id', 'user_id', name=op.f('uq_comment_flag_comment_id_user_id'))
    )
    with op.batch_alter_table('comment_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_flag_user_id'), ['user_id'], unique=False)

    op.create_table('comment_helpful',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_helpful_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_comment_helpful_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_helpful')),
    sa.UniqueConstraint('comment_id', 'user_id', name=op.f('uq_comment_helpful_comment_id_user_id'))
    )
    with op.batch_alter_table('comment_helpful', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_helpful_user_id'), ['user_id'], unique=False)

    op.create_table('comment_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_revision_comment_id_comment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revision'))
    )
    with op.batch_alter_table('comment_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revision_comment_id'), ['comment_id'], unique=False)

    op.create_table('moderation_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('auto_hidden', 'approved', 'hidden', 'restored', 'upheld', 'blocked')", name=op.f('ck_moderation_action_kind_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_moderation_action_comment_id_comment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderator_id'], ['user_account.id'], name=op.f('fk_moderation_action_moderator_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_moderation_action_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_action'))
    )
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_action_round_id_id', ['round_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_action_round_id_id')

    op.drop_table('moderation_action')
    with op.batch_alter_table('comment_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_revision_comment_id'))

    op.drop_table('comment_revision')
    with op.batch_alter_table('comment_helpful', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_helpful_user_id'))

    op.drop_table('comment_helpful')
    with op.batch_alter_table('comment_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_flag_user_id'))

    op.drop_table('comment_flag')
    op.drop_table('comment_appeal')
    with op.batch_alter_table('proposal_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_follow_proposal_id'))

    op.drop_table('proposal_follow')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_round_status')
        batch_op.drop_index(batch_op.f('ix_comment_root_id'))
        batch_op.drop_index('ix_comment_proposal_status_stance')
        batch_op.drop_index('ix_comment_proposal_depth_id')
        batch_op.drop_index('ix_comment_proposal_depth_helpful')
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))

    op.drop_table('comment')
    op.drop_table('deliberation_settings')
    with op.batch_alter_table('posting_block', schema=None) as batch_op:
        batch_op.drop_index('ix_posting_block_user_organisation')

    op.drop_table('posting_block')
    op.drop_table('notification_mail_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_id_id')

    op.drop_table('notification')
