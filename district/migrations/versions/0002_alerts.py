"""alerts: channels for staff and offices, routing rules, the alert queue, acknowledgements

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campus") as batch:
        batch.add_column(sa.Column("alert_rules", sa.Text(), nullable=True))
        batch.add_column(sa.Column("alert_expiry_minutes", sa.Integer(), nullable=False, server_default="15"))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("alert_urls", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("alert_language", sa.String(length=35), nullable=False, server_default=""))
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("acknowledged_ms", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("acknowledged_via", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campus_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("alert_urls", sa.Text(), nullable=False),
        sa.Column("alert_language", sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(["campus_id"], ["campus.id"], name=op.f("fk_office_campus_id_campus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
        sa.UniqueConstraint("campus_id", "key", name=op.f("uq_office_campus_id")),
    )
    for key in ("front_office", "attendance", "volunteers"):  # every campus has the three offices
        op.execute(
            sa.text("INSERT INTO office (campus_id, key, alert_urls, alert_language) "
                    "SELECT id, :key, '', '' FROM campus").bindparams(key=key)
        )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campus_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("recipient_kind", sa.String(length=8), nullable=False),
        sa.Column("recipient_key", sa.String(length=200), nullable=False),
        sa.Column("recipient_name", sa.String(length=400), nullable=False),
        sa.Column("why", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_ms", sa.BigInteger(), nullable=False),
        sa.Column("claimed_until_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.Column("delivered_ms", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("ack_token_hash", sa.String(length=64), nullable=False),
        sa.Column("ack_token", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["campus_id"], ["campus.id"], name=op.f("fk_alert_campus_id_campus")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_alert_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("ack_token_hash", name=op.f("uq_alert_ack_token_hash")),
    )
    op.create_index("ix_alert_due", "alert", ["status", "next_attempt_ms"])
    op.create_index("ix_alert_visit", "alert", ["visit_id"])


def downgrade() -> None:
    op.drop_table("alert")
    op.drop_table("office")
    for table, columns in (
        ("visit", ("escalated", "acknowledged_via", "acknowledged_by", "acknowledged_ms")),
        ("staff", ("alert_language", "alert_urls")),
        ("campus", ("alert_expiry_minutes", "alert_rules")),
    ):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
