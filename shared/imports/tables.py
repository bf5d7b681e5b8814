"""The import job tables, in the database of each service that offers imports (plumbing, like the outbox)."""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text

from shared.tables import BigId


def import_tables(metadata: MetaData) -> tuple[Table, Table]:
    jobs = Table(
        "import_jobs",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("kind", String(40), nullable=False),
        Column("format", String(10), nullable=False),
        Column("file_name", String(300), nullable=True),
        Column("sha256", String(64), nullable=False),
        Column("size_bytes", BigInteger, nullable=False),
        Column("agency_id", String(64), nullable=True, index=True),  # whose rows the uploader may import
        Column("created_by", String(200), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("state", String(12), nullable=False),  # queued, running, done, failed
        Column("started_at", DateTime(timezone=True), nullable=True),
        Column("finished_at", DateTime(timezone=True), nullable=True),
        Column("bytes_done", BigInteger, nullable=False, default=0),
        Column("rows_done", Integer, nullable=False, default=0),
        Column("accepted", Integer, nullable=False, default=0),
        Column("unchanged", Integer, nullable=False, default=0),
        Column("rejected", Integer, nullable=False, default=0),
        Column("error", Text, nullable=True),
        Column("trace_carrier", Text, nullable=False, default="{}"),
    )
    errors = Table(
        "import_row_errors",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("job_id", String(36), nullable=False),
        Column("row_number", Integer, nullable=False),
        Column("field", String(100), nullable=False),
        Column("message", Text, nullable=False),
    )
    Index("ix_import_row_errors_job_row", errors.c.job_id, errors.c.row_number)
    return jobs, errors
