"""languages: a person's chosen language and an organisation's default; the language of a notification

Revision ID: d7a3c91e5f20
Revises: b5e9a12e9367
Create Date: 2026-12-04 03:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7a3c91e5f20'
down_revision = 'b5e9a12e9367'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=10), server_default='en_GB',
                                      nullable=False))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), server_default='en_GB', nullable=False))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('default_language')
