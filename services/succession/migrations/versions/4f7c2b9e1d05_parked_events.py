"""parked events

Revision ID: 4f7c2b9e1d05
Revises: 9d2e41c7a0b3
Create Date: 2026-11-29 14:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '4f7c2b9e1d05'
down_revision: Union[str, Sequence[str], None] = '9d2e41c7a0b3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('parked_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('parked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('parked_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parked_events_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parked_events_nip'), ['nip'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('parked_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parked_events_nip'))
        batch_op.drop_index(batch_op.f('ix_parked_events_agency_id'))
    op.drop_table('parked_events')
