"""Consents a deputy records for a side without an account: how, by whom, when, given by whom

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 18:37:37.428883

"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.Enum('online', 'in_person', 'phone', 'paper', name='consent_method', native_enum=False, create_constraint=True, length=9), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('given_by', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('given_at', matchmaker.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_consent_recorded_by_id_user_account'), 'user_account', ['recorded_by_id'], ['id'])

def downgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_recorded_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_consent_consent_method'), type_='check')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('given_at')
        batch_op.drop_column('given_by')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('method')

