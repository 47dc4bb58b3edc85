"""visitor passes: expected visitors check in by showing a QR code (district.passes)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visitor_pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campus_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("host_id", sa.String(length=200), nullable=True),
        sa.Column("host_name", sa.String(length=400), nullable=True),
        sa.Column("valid_from_ms", sa.BigInteger(), nullable=False),
        sa.Column("valid_until_ms", sa.BigInteger(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("revoked_ms", sa.BigInteger(), nullable=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["campus_id"], ["campus.id"], name=op.f("fk_visitor_pass_campus_id_campus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_pass")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_visitor_pass_code_hash")),
    )
    op.create_index("ix_visitor_pass_campus_revision", "visitor_pass", ["campus_id", "revision"])
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("pass_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_visit_pass_id_visitor_pass"), "visitor_pass", ["pass_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_constraint(op.f("fk_visit_pass_id_visitor_pass"), type_="foreignkey")
        batch.drop_column("pass_id")
    op.drop_index("ix_visitor_pass_campus_revision", table_name="visitor_pass")
    op.drop_table("visitor_pass")
