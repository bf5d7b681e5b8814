"""The background runner: takes queued (or interrupted) jobs and works through their files chunk by chunk."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from sqlalchemy import Row, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.background import BackgroundLoop
from shared.consumer import INFRASTRUCTURE_ERRORS
from shared.imports.kinds import ImportContext, ImportKind, RowOutcome, SourceRow, rejected
from shared.imports.reader import Format, ReadRow, read_rows

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


@dataclass(frozen=True)
class Upload:
    kind: str
    fmt: Format
    file_name: str | None
    agency_id: str | None
    subject: str


class ImportRunner(BackgroundLoop):
    task_name = "import-runner"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], jobs: Table, errors: Table,
                 kinds: Mapping[str, ImportKind], directory: Path, *, chunk_rows: int = 1000,
                 poll_seconds: float = 5.0, retry_seconds: float = 5.0) -> None:
        self.kinds = kinds
        self.jobs, self.errors = jobs, errors
        self.sessions = sessions
        self._directory = directory
        self._chunk_rows = chunk_rows
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        super().start()

    async def submit(self, upload: Upload, body: AsyncIterator[bytes]) -> str:
        """Spool the body to disk (never held in memory) and queue a job for it; returns the job id."""
        job_id = str(uuid.uuid4())
        path = self._path(job_id, upload.fmt)
        digest, size = hashlib.sha256(), 0
        try:
            with path.open("wb") as file:
                async for chunk in body:
                    file.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the job runs in the upload request's trace
        async with self.sessions() as session, session.begin():
            await session.execute(insert(self.jobs).values(
                id=job_id, kind=upload.kind, format=upload.fmt, file_name=upload.file_name, sha256=digest.hexdigest(),
                size_bytes=size, agency_id=upload.agency_id, created_by=upload.subject, created_at=datetime.now(UTC),
                state="queued", bytes_done=0, rows_done=0, accepted=0, unchanged=0, rejected=0,
                trace_carrier=json.dumps(carrier),
            ))
        self._wake.set()
        return job_id

    def _path(self, job_id: str, fmt: str) -> Path:
        return self._directory / f"{job_id}.{fmt}"

    async def _run(self) -> None:
        while True:
            try:
                job = await self._next_job()
            except Exception as exc:
                log.warning("import runner cannot read its jobs, retrying: %r", exc)
                job = None
            if job is None:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
                except TimeoutError:
                    pass
                continue
            try:
                await self.process(job)
            except Exception as exc:  # e.g. the failure could not even be recorded: try again later
                log.warning("import runner could not finish job %s: %r", job.id, exc)
                await asyncio.sleep(self._retry_seconds)

    async def _next_job(self) -> Row[Any] | None:
        """The oldest unfinished job whose file this instance holds (a restart resumes its own jobs)."""
        async with self.sessions() as session:
            candidates = (await session.execute(
                select(self.jobs).where(self.jobs.c.state.in_(("queued", "running")))
                .order_by(self.jobs.c.created_at).limit(20)
            )).all()
        return next((job for job in candidates if self._path(job.id, job.format).exists()), None)

    async def process(self, job: Row[Any]) -> None:
        kind = self.kinds[job.kind]
        context = ImportContext(job.id, job.created_by, job.agency_id)
        path = self._path(job.id, job.format)
        token = otel_context.attach(propagate.extract(json.loads(job.trace_carrier or "{}")))
        try:
            with tracer.start_as_current_span(f"import {job.kind}", attributes={
                    "talenta.import.job_id": job.id, "talenta.import.size_bytes": job.size_bytes}):
                await self._set(job.id, state="running", started_at=job.started_at or datetime.now(UTC))
                rows = read_rows(path, job.format)
                for _ in islice(rows, job.rows_done):  # resume after the last committed chunk
                    pass
                while chunk := list(islice(rows, self._chunk_rows)):
                    await self._apply_chunk(kind, job.id, chunk, context)
                await self._set(job.id, state="done", finished_at=datetime.now(UTC))
            path.unlink(missing_ok=True)
        except INFRASTRUCTURE_ERRORS as exc:  # the job stays running and is resumed on the next round
            log.warning("import job %s interrupted, resuming later: %r", job.id, exc)
            await asyncio.sleep(self._retry_seconds)
        except Exception as exc:  # the file cannot be read, say: the job fails with the reason; its file is kept
            log.exception("import job %s failed", job.id)
            await self._set(job.id, state="failed", finished_at=datetime.now(UTC), error=f"{type(exc).__name__}: {exc}")
        finally:
            otel_context.detach(token)

    async def _apply_chunk(self, kind: ImportKind, job_id: str, chunk: Sequence[ReadRow], context: ImportContext) -> None:
        """One transaction: the kind's writes for the chunk, its row errors, the job's counters."""
        with tracer.start_as_current_span(f"import {kind.name} rows {chunk[0].number}–{chunk[-1].number}"):
            while True:
                try:
                    async with self.sessions() as session, session.begin():
                        outcomes = await self._outcomes(session, kind, chunk, context)
                        await self._record(session, job_id, chunk, outcomes)
                    return
                except INFRASTRUCTURE_ERRORS as exc:  # the database is away: wait, lose nothing
                    log.warning("import chunk could not be written, retrying: %r", exc)
                    await asyncio.sleep(self._retry_seconds)
                except Exception as exc:  # a row the kind did not foresee: find it, keep the others
                    log.warning("import chunk failed (%r); applying its rows one by one", exc)
                    await self._apply_one_by_one(kind, job_id, chunk, context)
                    return

    async def _apply_one_by_one(self, kind: ImportKind, job_id: str, chunk: Sequence[ReadRow],
                                context: ImportContext) -> None:
        for row in chunk:
            try:
                async with self.sessions() as session, session.begin():
                    outcomes = await self._outcomes(session, kind, [row], context)
                    await self._record(session, job_id, [row], outcomes)
            except INFRASTRUCTURE_ERRORS:
                raise
            except Exception as exc:
                async with self.sessions() as session, session.begin():
                    await self._record(session, job_id, [row], [rejected(row.number, "row", f"could not be written: {exc}")])

    async def _outcomes(self, session: AsyncSession, kind: ImportKind, chunk: Sequence[ReadRow],
                        context: ImportContext) -> list[RowOutcome]:
        unreadable = {row.number: rejected(row.number, "row", row.error or "unreadable") for row in chunk
                      if row.fields is None}
        readable = [SourceRow(row.number, row.fields) for row in chunk if row.fields is not None]
        applied = {outcome.number: outcome for outcome in (await kind.apply(session, readable, context) if readable else [])}
        return [unreadable.get(row.number) or applied[row.number] for row in chunk]

    async def _record(self, session: AsyncSession, job_id: str, chunk: Sequence[ReadRow],
                      outcomes: Sequence[RowOutcome]) -> None:
        errors = [{"job_id": job_id, "row_number": o.number, "field": e["field"][:100], "message": e["message"]}
                  for o in outcomes if o.status == "rejected" for e in o.errors]
        if errors:
            await session.execute(insert(self.errors), errors)
        counts = {status: sum(o.status == status for o in outcomes) for status in ("accepted", "unchanged", "rejected")}
        j = self.jobs.c
        await session.execute(update(self.jobs).where(j.id == job_id).values(
            rows_done=j.rows_done + len(chunk), bytes_done=chunk[-1].end_offset,
            accepted=j.accepted + counts["accepted"], unchanged=j.unchanged + counts["unchanged"],
            rejected=j.rejected + counts["rejected"],
        ))

    async def _set(self, job_id: str, **values: Any) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(update(self.jobs).where(self.jobs.c.id == job_id).values(**values))
