"""Photos of signed consent forms

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 21:10:06.581661

"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', matchmaker.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_consent_photo_photo_content_type')),
    sa.CheckConstraint('size > 0', name=op.f('ck_consent_photo_photo_size_positive')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_consent_photo_consent_id_consent'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_consent_photo_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_photo')),
    sa.UniqueConstraint('consent_id', name=op.f('uq_consent_photo_consent_id'))
    )


def downgrade():
    op.drop_table('consent_photo')
