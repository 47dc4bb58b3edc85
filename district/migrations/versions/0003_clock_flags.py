"""clock flags: visits dated by the server keep the kiosk's reading and a flag; kiosks report their clock

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("flag", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("kiosk_checked_in_ms", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("kiosk") as batch:
        batch.add_column(sa.Column("clock", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("refused_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosk") as batch:
        batch.drop_column("refused_reason")
        batch.drop_column("clock_offset_ms")
        batch.drop_column("clock")
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("kiosk_checked_in_ms")
        batch.drop_column("flag")
