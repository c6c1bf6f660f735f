"""Invitations to claim a profile a station registered

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 21:07:50.037388

"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('profile_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', matchmaker.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', matchmaker.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('used_at', matchmaker.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', matchmaker.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(graduate_id IS NULL) <> (enterprise_id IS NULL)', name=op.f('ck_profile_claim_claims_one_profile')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_profile_claim_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_profile_claim_graduate_id_graduate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_profile_claim_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['used_by_id'], ['user_account.id'], name=op.f('fk_profile_claim_used_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_claim')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_profile_claim_code_sha256'))
    )
    with op.batch_alter_table('profile_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_claim_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_claim_graduate_id'), ['graduate_id'], unique=False)

    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_graduate_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_graduate_registered_by_id_station'), 'station', ['registered_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_graduate_registered_by_id_station'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_graduate_registered_by_id'))
        batch_op.drop_column('registered_by_id')

    with op.batch_alter_table('profile_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_claim_graduate_id'))
        batch_op.drop_index(batch_op.f('ix_profile_claim_enterprise_id'))

    op.drop_table('profile_claim')
