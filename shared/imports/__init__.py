"""Bulk imports, the same in every service: an upload is spooled to disk and answered with 202 and a job;
a background runner reads the file as a stream (CSV or NDJSON), hands the service's `ImportKind` one chunk
of rows at a time, and commits each chunk — its accepted rows, their events (outbox) and the per-row
errors and counters of the job — in one transaction. Memory is bounded by the chunk, never by the file;
a restart resumes after the last committed chunk."""

from shared.imports.kinds import ImportContext, ImportKind, RowOutcome, SourceRow, rejected, validation_errors

__all__ = ["ImportContext", "ImportKind", "RowOutcome", "SourceRow", "rejected", "validation_errors"]
