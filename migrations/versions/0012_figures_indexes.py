"""Profiles indexed by hometown and registration time together, for the figures

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.create_index('ix_graduate_hometown_created', ['hometown_id', 'created_at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_graduate_hometown_id'))


def downgrade():
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_graduate_hometown_id'), ['hometown_id'], unique=False)
        batch_op.drop_index('ix_graduate_hometown_created')
