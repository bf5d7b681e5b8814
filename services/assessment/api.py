"""HTTP routes for SKP ratings and assessment results (thin: the use cases are in service/assessments)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select, tuple_

from services.assessment import assessments, service
from services.assessment.models import Assessment, KnownAsn, PerformanceRating, PerformanceStanding
from services.assessment.schemas import (
    AssessmentIn,
    AssessmentOut,
    CorrectionIn,
    PerformanceRatingIn,
    PerformanceRatingOut,
    PerformanceStandingOut,
)
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem, field_error
from shared.idempotency import IdempotencyKey, idempotent
from shared.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["assessment"])

RECORD = (Role.HR_ADMIN,)
READ = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN, Role.ASN)
Recorder = Annotated[Principal, Depends(require_roles(*RECORD))]
Reader = Annotated[Principal, Depends(require_roles(*READ))]


@router.post("/performance-ratings", status_code=201, response_model=PerformanceRatingOut,
             summary="Record a yearly SKP rating",
             description="From hasil kerja × perilaku kerja (the regulation's matrix) or a rating given directly. "
             "201 when new; 200 when the same rating was already recorded. " + roles_note(*RECORD))
async def create_performance_rating(
    body: PerformanceRatingIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder, request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def record() -> tuple[PerformanceRatingOut, int]:
        rating, created = await service.record_rating(session, runtime.outbox, body, principal)
        return PerformanceRatingOut.model_validate(rating), 201 if created else 200

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=record)


@router.get("/performance-ratings", response_model=list[PerformanceRatingOut], summary="An ASN's SKP ratings",
            description="Newest year first. " + roles_note(*READ))
async def list_performance_ratings(nip: Annotated[str, Query(pattern=r"^\d{18}$")], session: SessionDep,
                                   principal: Reader) -> list[PerformanceRatingOut]:
    service.person_in_scope(await session.get(KnownAsn, nip), nip, principal)
    rows = await session.scalars(select(PerformanceRating).where(PerformanceRating.nip == nip)
                                 .order_by(PerformanceRating.year.desc()))
    return [PerformanceRatingOut.model_validate(r) for r in rows]


@router.get("/performance-levels/{nip}", response_model=PerformanceStandingOut,
            summary="An ASN's performance level for the grid",
            description="By the agency's policy (years averaged, missing years); 404 before any rating. "
            + roles_note(*READ))
async def get_performance_level(nip: str, session: SessionDep, principal: Reader) -> PerformanceStandingOut:
    service.person_in_scope(await session.get(KnownAsn, nip), nip, principal)
    standing = await session.get(PerformanceStanding, nip)
    if standing is None:
        raise Problem(404, "Not found", f"{nip} has no SKP rating yet.")
    return PerformanceStandingOut.model_validate(standing)


@router.post("/assessments", status_code=201, response_model=AssessmentOut,
             summary="Record a competency assessment result",
             description="Matches the achieved levels against the standard of a named target position, else of the "
             "ASN's current position (or its position type's default), else the `required` levels given; computes the "
             "JPM, the gaps and the potential level by the agency's policy. A later assessment supersedes the "
             "ASN's previous one. 201 when new; 200 when the same (NIP, date, method) was already recorded with the "
             "same content; 409 when it was recorded with other content (correct it instead). " + roles_note(*RECORD))
async def create_assessment(
    body: AssessmentIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder, request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def record() -> tuple[AssessmentOut, int]:
        row, created = await assessments.record_assessment(session, runtime.outbox, body, principal)
        return assessments.assessment_out(row), 201 if created else 200

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=record)


@router.post("/assessments/{result_id}/corrections", status_code=201, response_model=AssessmentOut,
             summary="Correct an assessment result (a new version, with the reason)",
             description="Never an edit in place: the corrected version is kept, superseded by the new one. Only the "
             "latest version can be corrected (409 otherwise). " + roles_note(*RECORD))
async def correct_assessment(
    result_id: str, body: CorrectionIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder,
    request: Request, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def record() -> tuple[AssessmentOut, int]:
        row = await assessments.correct_assessment(session, runtime.outbox, result_id, body, principal)
        return assessments.assessment_out(row), 201

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=record)


async def _visible(session: SessionDep, result_id: str, principal: Principal) -> Assessment:
    row = await session.get(Assessment, result_id)
    if row is None or not principal.can_see_person(row.nip, row.agency_id):
        raise Problem(404, "Not found", f"No assessment result {result_id} is visible to you.")
    return row


@router.get("/assessments/{result_id}", response_model=AssessmentOut, summary="One assessment result (a version)",
            description=roles_note(*READ))
async def get_assessment(result_id: str, session: SessionDep, principal: Reader) -> AssessmentOut:
    return assessments.assessment_out(await _visible(session, result_id, principal))


@router.get("/assessments/{result_id}/versions", response_model=list[AssessmentOut],
            summary="Every version of an assessment, oldest first", description=roles_note(*READ))
async def assessment_versions(result_id: str, session: SessionDep, principal: Reader) -> list[AssessmentOut]:
    row = await _visible(session, result_id, principal)
    rows = await session.scalars(select(Assessment).where(Assessment.assessment_id == row.assessment_id)
                                 .order_by(Assessment.version))
    return [assessments.assessment_out(r) for r in rows]


@router.get("/assessments", response_model=Page[AssessmentOut], summary="Assessment results, with history",
            description="The caller's agency (an ASN: their own); `current_only` leaves out superseded and corrected "
            "versions. Ordered by NIP, then date. " + roles_note(*READ))
async def list_assessments(
    session: SessionDep, principal: Reader, nip: Annotated[str | None, Query(pattern=r"^\d{18}$")] = None,
    agency_id: str | None = None, current_only: bool = False, cursor: CursorQuery = None, limit: LimitQuery = 100,
) -> Page[AssessmentOut]:
    query = select(Assessment)
    if not principal.has(Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN):
        if nip is not None and nip != principal.nip:
            raise Problem(404, "Not found", f"No ASN {nip} is visible to you.")
        query = query.where(Assessment.nip == (principal.nip or ""))
    elif principal.is_national:
        if agency_id is not None:
            query = query.where(Assessment.agency_id == agency_id)
    else:
        if agency_id is not None and agency_id != principal.agency_id:
            raise field_error("agency_id", "you can list your own agency only")
        query = query.where(Assessment.agency_id == (principal.agency_id or ""))
    if nip is not None:
        query = query.where(Assessment.nip == nip)
    if current_only:
        query = query.where(Assessment.superseded_by.is_(None))
    order = (Assessment.nip, Assessment.assessed_on, Assessment.method, Assessment.version)
    position = decode_cursor(cursor)
    if position is not None:
        try:
            after = (position["nip"], date.fromisoformat(position["on"]), position["method"], int(position["version"]))
        except (KeyError, ValueError, TypeError):
            raise field_error("cursor", "not a cursor this API issued") from None
        query = query.where(tuple_(*order) > tuple_(*after))
    rows = list((await session.scalars(query.order_by(*order).limit(limit + 1))).all())
    more, rows = len(rows) > limit, rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor({"nip": last.nip, "on": last.assessed_on.isoformat(), "method": last.method,
                                 "version": last.version}) if more and last else None
    return Page[AssessmentOut](items=[assessments.assessment_out(r) for r in rows], next_cursor=next_cursor)
