"""Documents wait for the task queue: when each last changed, whether it waits, which ranking last ranked it; leads indexed by review and close-out

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 15:10:00

"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('graduate', 'talent_need', 'investment_project', 'investor_interest')


def upgrade():
    op.create_table('match_sequence',
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_match_sequence'))
    )
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_reviewed_at'), ['reviewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_closed_at'), ['closed_at'], unique=False)
    suggested = sa.text("status = 'suggested'")
    op.create_index('ix_lead_suggested_queue', 'lead',
                    ['station_id', sa.text('score DESC'), 'created_at', 'id'],
                    postgresql_where=suggested, sqlite_where=suggested)
    op.create_index('ix_lead_suggested_age', 'lead', ['created_at'],
                    postgresql_where=suggested, sqlite_where=suggested)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('changed_at', matchmaker.models.UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('match_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
            batch_op.add_column(sa.Column('ranked_seq', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_match_pending'), ['match_pending'], unique=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_ranked_seq'), ['ranked_seq'], unique=False)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_ranked_seq'))
            batch_op.drop_index(batch_op.f(f'ix_{table}_match_pending'))
            batch_op.drop_column('ranked_seq')
            batch_op.drop_column('match_pending')
            batch_op.drop_column('changed_at')
    op.drop_index('ix_lead_suggested_age', table_name='lead')
    op.drop_index('ix_lead_suggested_queue', table_name='lead')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_closed_at'))
        batch_op.drop_index(batch_op.f('ix_lead_reviewed_at'))
    op.drop_table('match_sequence')
