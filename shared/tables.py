"""Plumbing tables every service has in its own database (built per service, never shared)."""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting to be published, written in the same transaction as the change that caused them."""
    table = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(100), nullable=False),
        Column("payload", Text, nullable=False),
        Column("trace_carrier", Text, nullable=False, default="{}"),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
    )
    Index(
        "ix_outbox_pending",
        table.c.id,
        postgresql_where=table.c.published_at.is_(None),
        sqlite_where=table.c.published_at.is_(None),
    )
    return table


def inbox_table(metadata: MetaData) -> Table:
    """Ids of the events a service has processed: a redelivered event is recognised and skipped."""
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )


def idempotency_table(metadata: MetaData) -> Table:
    """First results of POSTs sent with an Idempotency-Key, per caller and route, to replay on retry."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("subject", String(200), nullable=False),
        Column("scope", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response_body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("subject", "scope", "key"),
    )
