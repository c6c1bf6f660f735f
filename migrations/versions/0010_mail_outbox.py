"""Notifications are also e-mailed: the notification table is the outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:00:00.000000

Rows written before this revision get email_status 'none': they are not mailed.
"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

STATUSES = ('pending', 'sending', 'sent', 'failed', 'none')


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'email_status',
            sa.Enum(*STATUSES, name='email_status', native_enum=False, create_constraint=True,
                    length=7),
            server_default='none', nullable=False))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('email_claimed_at',
                                      matchmaker.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('emailed_at', matchmaker.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_notification_email_status', ['email_status', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_email_status')
        batch_op.drop_constraint(op.f('ck_notification_email_status'), type_='check')
        batch_op.drop_column('emailed_at')
        batch_op.drop_column('email_claimed_at')
        batch_op.drop_column('email_attempts')
        batch_op.drop_column('email_status')
