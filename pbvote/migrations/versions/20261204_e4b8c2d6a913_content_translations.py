"""content languages: translations of round and proposal texts; the language a proposal is written in

Revision ID: e4b8c2d6a913
Revises: d7a3c91e5f20
Create Date: 2026-12-04 03:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b8c2d6a913'
down_revision = 'd7a3c91e5f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('translated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'round' AND field IN ('name', 'description')) OR (kind = 'proposal' AND field IN ('title', 'summary', 'description'))", name=op.f('ck_content_translation_kind_and_field_known')),
    sa.CheckConstraint("text <> ''", name=op.f('ck_content_translation_text_not_empty')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_content_translation_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['translated_by_id'], ['user_account.id'], name=op.f('fk_content_translation_translated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_translation')),
    sa.UniqueConstraint('kind', 'object_id', 'field', 'language', name=op.f('uq_content_translation_kind_object_id_field_language'))
    )
    with op.batch_alter_table('content_translation', schema=None) as batch_op:
        batch_op.create_index('ix_content_translation_round_language', ['round_id', 'language'], unique=False)

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('content_translation', schema=None) as batch_op:
        batch_op.drop_index('ix_content_translation_round_language')

    op.drop_table('content_translation')
