"""plan reopened reason

Revision ID: 9d2e41c7a0b3
Revises: 5b19de6f5ef2
Create Date: 2026-11-29 14:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9d2e41c7a0b3'
down_revision: Union[str, Sequence[str], None] = '5b19de6f5ef2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('succession_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopened_reason', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('succession_plans', schema=None) as batch_op:
        batch_op.drop_column('reopened_reason')
