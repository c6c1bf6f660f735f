"""Sign-in by mobile number, one-time reset codes, accepted terms

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('reset_code_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('reset_code_expires_at', matchmaker.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reset_code_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('terms_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('terms_accepted_at', matchmaker.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_phone'), ['phone'])
        batch_op.create_check_constraint(
            batch_op.f('ck_user_account_has_sign_in_name'), 'email IS NOT NULL OR phone IS NOT NULL'
        )


def downgrade():
    # E-mail is required below: an account known only by its mobile number gets an
    # address that reaches nobody (as an erased account's), and keeps its rows.
    op.execute(
        "UPDATE user_account SET email = 'phone-' || id || '@invalid.example' WHERE email IS NULL"
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_has_sign_in_name'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_user_account_phone'), type_='unique')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column('terms_accepted_at')
        batch_op.drop_column('terms_version')
        batch_op.drop_column('reset_code_failures')
        batch_op.drop_column('reset_code_expires_at')
        batch_op.drop_column('reset_code_hash')
        batch_op.drop_column('phone')
