from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.assessment import service
from services.assessment.schemas import AssessmentIn, AssessmentOut, PerformanceRatingIn, PerformanceRatingOut
from shared.auth import Principal, Role, require_roles, roles_note
from shared.idempotency import IdempotencyKey, idempotent
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["assessment"])

RECORD = (Role.HR_ADMIN,)
Recorder = Annotated[Principal, Depends(require_roles(*RECORD))]


@router.post("/performance-ratings", status_code=201, response_model=PerformanceRatingOut,
             summary="Record a yearly SKP rating",
             description="201 when new; 200 when the same rating was already recorded. " + roles_note(*RECORD))
async def create_performance_rating(
    body: PerformanceRatingIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder, request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def record() -> tuple[PerformanceRatingOut, int]:
        rating, created = await service.record_rating(session, runtime.outbox, body, principal)
        return PerformanceRatingOut.model_validate(rating), 201 if created else 200

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=record)


@router.post("/assessments", status_code=201, response_model=AssessmentOut,
             summary="Record a competency assessment result",
             description="Computes the job-person match and potential level. 201 when new; 200 when the same "
             "(NIP, date, method) was already recorded. " + roles_note(*RECORD))
async def create_assessment(
    body: AssessmentIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder, request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def record() -> tuple[AssessmentOut, int]:
        assessment, created = await service.record_assessment(session, runtime.outbox, body, principal)
        return AssessmentOut.model_validate(assessment), 201 if created else 200

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=record)
