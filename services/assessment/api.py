from typing import Annotated

from fastapi import APIRouter, Depends, Response

from services.assessment import service
from services.assessment.models import Assessment, PerformanceRating
from services.assessment.schemas import AssessmentIn, AssessmentOut, PerformanceRatingIn, PerformanceRatingOut
from shared.auth import Principal, Role, require_roles, roles_note
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["assessment"])

RECORD = (Role.HR_ADMIN,)
Recorder = Annotated[Principal, Depends(require_roles(*RECORD))]


@router.post("/performance-ratings", status_code=201, response_model=PerformanceRatingOut,
             summary="Record a yearly SKP rating",
             description="201 when new; 200 when the same rating was already recorded. " + roles_note(*RECORD))
async def create_performance_rating(
    body: PerformanceRatingIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder, response: Response
) -> PerformanceRating:
    rating, created = await service.record_rating(session, runtime.outbox, body, principal)
    response.status_code = 201 if created else 200
    return rating


@router.post("/assessments", status_code=201, response_model=AssessmentOut,
             summary="Record a competency assessment result",
             description="Computes the job-person match and potential level. 201 when new; 200 when the same "
             "(NIP, date, method) was already recorded. " + roles_note(*RECORD))
async def create_assessment(
    body: AssessmentIn, session: SessionDep, runtime: RuntimeDep, principal: Recorder, response: Response
) -> Assessment:
    assessment, created = await service.record_assessment(session, runtime.outbox, body, principal)
    response.status_code = 201 if created else 200
    return assessment
