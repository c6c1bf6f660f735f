"""Lead events say what happened as a code with its facts; notes keep only what people wrote

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 12:10:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

#: The action each status change stands for (events written before this revision).
BY_TARGET = {
    'introduced': 'introduce', 'dismissed': 'dismiss', 'declined': 'decline',
    'connected': 'connect', 'lapsed': 'lapse', 'withdrawn': 'withdraw',
    'interviewing': 'start', 'negotiating': 'start', 'hired': 'hire', 'retained': 'retain',
    'signed': 'sign', 'funds_arrived': 'funds', 'in_production': 'produce',
    'no_deal': 'no_deal', 'closed': 'close',
}
#: The codes earlier versions wrote into the note, and what they become.
LEGACY_NOTES = [
    (re.compile(r'^consent:(\w+)$'), 'consent_given', ('party',)),
    (re.compile(r'^consent renewed:(\w+):True$'), 'consent_renewed', ('party',)),
    (re.compile(r'^consent renewed:(\w+):False$'), 'consent_withdrawn', ('party',)),
    (re.compile(r'^consent withdrawn:(\w+)$'), 'consent_withdrawn', ('party',)),
    (re.compile(r'^consent withdrawn$'), 'consent_withdrawn', ()),
    (re.compile(r'^outcome confirmed:(\w+)$'), 'outcome_confirmed', ('party',)),
    (re.compile(r'^deferred until (\d{4}-\d{2}-\d{2})$'), 'defer', ('until',)),
    (re.compile(r'^(\d)-month check$'), 'retain', ('months',)),
    (re.compile(r'^no answer by the deadline$'), 'lapse', ()),
    (re.compile(r'^a side left matching$'), 'withdraw', ()),
    (re.compile(r'^a side deleted their account$'), 'erase', ()),
]


def upgrade():
    with op.batch_alter_table('lead_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
    events = sa.table(
        'lead_event',
        sa.column('id', sa.Integer), sa.column('to_status', sa.String),
        sa.column('from_status', sa.String), sa.column('action', sa.String),
        sa.column('detail', sa.JSON), sa.column('note', sa.Text),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(events)).mappings().all():
        action, detail, note = _translate(row)
        bind.execute(
            events.update().where(events.c.id == row['id'])
            .values(action=action, detail=detail, note=note)
        )
    with op.batch_alter_table('lead_event', schema=None) as batch_op:
        batch_op.alter_column('detail', existing_type=sa.JSON(), nullable=False)


def _translate(row):
    note = row['note'] or ''
    for pattern, action, names in LEGACY_NOTES:
        found = pattern.match(note.strip())
        if found:
            detail = dict(zip(names, found.groups()))
            if 'months' in detail:
                detail['months'] = int(detail['months'])
            return action, detail, ''
    if row['from_status'] != row['to_status']:
        return BY_TARGET.get(row['to_status']), {}, note
    return None, {}, note


def downgrade():
    with op.batch_alter_table('lead_event', schema=None) as batch_op:
        batch_op.drop_column('detail')
        batch_op.drop_column('action')
