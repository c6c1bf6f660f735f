"""Rosters as stations write them: remembered column mappings, graduation year optional, month of birth

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 18:40:00

"""
from alembic import op
import sqlalchemy as sa

import matchmaker.models


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('shape', sa.String(length=64), nullable=False),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('updated_at', matchmaker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_import_mapping_station_id_station')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mapping')),
        sa.UniqueConstraint('station_id', 'kind', 'shape', name=op.f('uq_import_mapping_station_id_kind_shape'))
    )
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_month', sa.Date(), nullable=True))
        batch_op.alter_column('graduation_year', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # No year can be made up for a graduate imported without one: refuse, say which.
    missing = op.get_bind().scalar(sa.text('SELECT COUNT(*) FROM graduate WHERE graduation_year IS NULL'))
    if missing:
        raise RuntimeError(f'{missing} graduates have no year of graduation; give them one before downgrading')
    with op.batch_alter_table('graduate', schema=None) as batch_op:
        batch_op.alter_column('graduation_year', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('birth_month')

    op.drop_table('import_mapping')
