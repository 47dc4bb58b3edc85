"""interpreter language and student: which language a visitor's interpreter speaks, whom they pick up

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("interpreter_language", sa.String(length=35), nullable=True))
        batch.add_column(sa.Column("student_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("student_name")
        batch.drop_column("interpreter_language")
