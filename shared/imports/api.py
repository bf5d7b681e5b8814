"""The HTTP face of imports, the same in every service that offers them:
POST /v1/imports/{kind} (the file as the body) → 202 + the job; GET the job to follow its progress;
GET its rejected rows with the reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem, field_error
from shared.imports.reader import Format
from shared.imports.runner import ImportRunner, Upload
from shared.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor

IMPORTERS = (Role.HR_ADMIN, Role.BKN)
CONTENT_TYPES: dict[str, Format] = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson",
                                    "application/jsonl": "ndjson", "application/x-jsonlines": "ndjson"}


class ImportJobOut(BaseModel):
    id: str
    kind: str
    format: str
    file_name: str | None
    state: str  # queued, running, done, failed
    size_bytes: int
    bytes_done: int
    progress_percent: float
    rows_done: int
    accepted: int
    unchanged: int
    rejected: int
    rows_per_second: float | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    errors_url: str


class RowErrorOut(BaseModel):
    row_number: int
    field: str
    message: str


def _runner(request: Request) -> ImportRunner:
    runner = request.app.state.runtime.imports
    if runner is None:
        raise Problem(404, "Not found", "This service offers no imports.")
    return runner


RunnerDep = Annotated[ImportRunner, Depends(_runner)]
Importer = Annotated[Principal, Depends(require_roles(*IMPORTERS))]


def _format(request: Request, fmt: Format | None, file_name: str | None) -> Format:
    if fmt is not None:
        return fmt
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in CONTENT_TYPES:
        return CONTENT_TYPES[content_type]
    suffix = (file_name or "").rsplit(".", 1)[-1].lower()
    if suffix in ("csv", "ndjson", "jsonl"):
        return "csv" if suffix == "csv" else "ndjson"
    raise field_error("format", "say csv or ndjson (query `format`, or Content-Type text/csv or application/x-ndjson)")


def _job_out(job: Any) -> ImportJobOut:
    end = job.finished_at or datetime.now(UTC)
    elapsed = (end - job.started_at).total_seconds() if job.started_at else 0
    return ImportJobOut(
        id=job.id, kind=job.kind, format=job.format, file_name=job.file_name, state=job.state,
        size_bytes=job.size_bytes, bytes_done=job.bytes_done,
        progress_percent=100.0 if job.state == "done" else round(100 * job.bytes_done / job.size_bytes, 1) if job.size_bytes else 0.0,
        rows_done=job.rows_done, accepted=job.accepted, unchanged=job.unchanged, rejected=job.rejected,
        rows_per_second=round(job.rows_done / elapsed, 1) if elapsed > 0 else None,
        created_by=job.created_by, created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
        error=job.error, errors_url=f"/v1/imports/{job.id}/errors",
    )


async def _visible_job(runner: ImportRunner, job_id: str, principal: Principal) -> Any:
    async with runner.sessions() as session:
        job = (await session.execute(select(runner.jobs).where(runner.jobs.c.id == job_id))).one_or_none()
    if job is None or not (principal.is_national or job.created_by == principal.subject
                           or (job.agency_id is not None and job.agency_id == principal.agency_id)):
        raise Problem(404, "Not found", f"No import job {job_id} that you may see.")
    return job


def imports_router() -> APIRouter:
    router = APIRouter(prefix="/v1/imports", tags=["imports"])

    @router.post("/{kind}", status_code=202, response_model=ImportJobOut, summary="Upload a file to import",
                 description="The file is the request body (CSV with a header row, or NDJSON), streamed to disk; "
                             "rows are processed in the background. Agency HR admins import their own agency's "
                             "rows; BKN any agency's. Rows already imported are reported `unchanged`, so the same "
                             "file uploaded twice creates nothing new. " + roles_note(*IMPORTERS))
    async def upload(kind: str, request: Request, runner: RunnerDep, principal: Importer,
                     fmt: Annotated[Format | None, Query(alias="format")] = None,
                     file_name: Annotated[str | None, Query(max_length=300)] = None) -> JSONResponse:
        if kind not in runner.kinds:
            raise Problem(404, "Not found", f"No import kind {kind!r}; this service imports: {', '.join(runner.kinds)}.")
        upload = Upload(kind=kind, fmt=_format(request, fmt, file_name), file_name=file_name,
                        agency_id=None if principal.is_national else principal.agency_id, subject=principal.subject)
        job_id = await runner.submit(upload, request.stream())
        job = await _visible_job(runner, job_id, principal)
        return JSONResponse(_job_out(job).model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/v1/imports/{job_id}"})

    @router.get("/{job_id}", response_model=ImportJobOut, summary="An import job: state, counts and progress",
                description=roles_note(*IMPORTERS))
    async def get_job(job_id: str, runner: RunnerDep, principal: Importer) -> ImportJobOut:
        return _job_out(await _visible_job(runner, job_id, principal))

    @router.get("/{job_id}/errors", response_model=Page[RowErrorOut], summary="The rejected rows and why",
                description="In row order (1 = the first data row). " + roles_note(*IMPORTERS))
    async def job_errors(job_id: str, runner: RunnerDep, principal: Importer, cursor: CursorQuery = None,
                         limit: LimitQuery = 100) -> Page[RowErrorOut]:
        await _visible_job(runner, job_id, principal)
        e = runner.errors.c
        query = select(runner.errors).where(e.job_id == job_id).order_by(e.id).limit(limit + 1)
        position = decode_cursor(cursor)
        if position is not None:
            query = query.where(e.id > int(position.get("id", 0)))
        async with runner.sessions() as session:
            rows = (await session.execute(query)).all()
        items = [RowErrorOut(row_number=r.row_number, field=r.field, message=r.message) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None)

    return router
