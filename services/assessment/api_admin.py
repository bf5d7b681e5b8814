"""HTTP routes for what an agency configures: the competency catalogue, position standards, the
versioned policy (a change answers 202 with a re-evaluation job to poll), and the jobs."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from services.assessment import catalogue, policy
from services.assessment.models import ReevaluationJob
from services.assessment.reevaluation import runner_of
from services.assessment.schemas_admin import (
    CompetencyOut,
    JobOut,
    PolicyChangeOut,
    PolicyIn,
    PolicyOut,
    StandardIn,
    StandardOut,
    TechnicalCompetencyIn,
)
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.idempotency import IdempotencyKey, idempotent
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["agency configuration"])

EDIT = (Role.HR_ADMIN,)
READ = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
CATALOGUE = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN, Role.ASN)
Editor = Annotated[Principal, Depends(require_roles(*EDIT))]
Reader = Annotated[Principal, Depends(require_roles(*READ))]
AnyReader = Annotated[Principal, Depends(require_roles(*CATALOGUE))]


def _own(agency_id: str, principal: Principal, *, write: bool = False) -> None:
    """Another agency's configuration is invisible (404); BKN reads every agency but edits none."""
    allowed = principal.agency_id == agency_id if write else principal.can_see_agency(agency_id)
    if not allowed:
        raise Problem(404, "Not found", f"No agency {agency_id} is visible to you.")


@router.get("/competencies", response_model=list[CompetencyOut], summary="The competency catalogue",
            description="National managerial, socio-cultural and CACT competencies, and the technical ones of the "
            "caller's agency (BKN: of every agency, or of `agency_id`). Levels are 1–5. " + roles_note(*CATALOGUE))
async def list_competencies(session: SessionDep, principal: AnyReader, kind: str | None = None,
                            agency_id: str | None = None) -> list[CompetencyOut]:
    if agency_id is not None:
        _own(agency_id, principal)
    scope = agency_id or (None if principal.is_national else principal.agency_id or "")
    rows = await catalogue.catalogue(session, scope)
    return [CompetencyOut.model_validate(r) for r in rows if kind is None or r.kind == kind]


@router.post("/agencies/{agency_id}/competencies", status_code=201, response_model=CompetencyOut,
             summary="Add a technical competency to the agency's catalogue", description=roles_note(*EDIT))
async def add_technical_competency(agency_id: str, body: TechnicalCompetencyIn, session: SessionDep,
                                   principal: Editor) -> CompetencyOut:
    _own(agency_id, principal, write=True)
    return CompetencyOut.model_validate(await catalogue.add_technical(session, agency_id, body, principal))


async def _put_standard(scope: str, agency_id: str, key: str, body: StandardIn, session: SessionDep,
                        principal: Principal, response: Response) -> StandardOut:
    _own(agency_id, principal, write=True)
    row, created = await catalogue.put_standard(session, agency_id, scope, key, body, principal)
    response.status_code = 201 if created else 200
    return StandardOut.model_validate(row)


@router.put("/agencies/{agency_id}/standards/{position_code}", response_model=StandardOut,
            summary="Set the competency standard of a position (the agency's position code)",
            description="Required level (1–5) per catalogue competency. 201 when new, 200 when replaced; results "
            "already recorded keep the standard they were matched against. " + roles_note(*EDIT))
async def put_position_standard(agency_id: str, position_code: str, body: StandardIn, session: SessionDep,
                                principal: Editor, response: Response) -> StandardOut:
    return await _put_standard(catalogue.POSITION, agency_id, position_code, body, session, principal, response)


@router.put("/agencies/{agency_id}/default-standards/{position_type}", response_model=StandardOut,
            summary="Set the default standard of a position type, for positions without their own",
            description=roles_note(*EDIT))
async def put_default_standard(agency_id: str, position_type: str, body: StandardIn, session: SessionDep,
                               principal: Editor, response: Response) -> StandardOut:
    return await _put_standard(catalogue.POSITION_TYPE, agency_id, position_type, body, session, principal, response)


@router.get("/agencies/{agency_id}/standards", response_model=list[StandardOut],
            summary="The agency's competency standards (per position, and defaults per position type)",
            description=roles_note(*READ))
async def list_standards(agency_id: str, session: SessionDep, principal: Reader) -> list[StandardOut]:
    _own(agency_id, principal)
    return [StandardOut.model_validate(r) for r in await catalogue.standards(session, agency_id)]


@router.get("/agencies/{agency_id}/policy", response_model=PolicyOut, summary="The agency's policy in force",
            description="The national default (version `default-1`) until the agency sets its own. " + roles_note(*READ))
async def get_policy(agency_id: str, session: SessionDep, principal: Reader) -> PolicyOut:
    _own(agency_id, principal)
    return policy.policy_out(agency_id, await policy.current_policy_row(session, agency_id))


@router.get("/agencies/{agency_id}/policy/versions", response_model=list[PolicyOut],
            summary="Every version of the agency's policy, newest first (who, when, why)", description=roles_note(*READ))
async def list_policy_versions(agency_id: str, session: SessionDep, principal: Reader) -> list[PolicyOut]:
    _own(agency_id, principal)
    return [policy.policy_out(agency_id, r) for r in await policy.versions(session, agency_id)]


@router.post("/agencies/{agency_id}/policy/versions", status_code=202, response_model=PolicyChangeOut,
             summary="Change the agency's policy: a new version, and a job re-evaluating its ASN",
             description="Thresholds, weights, validity, year aggregation; all thresholds required and consistent "
             "(422 otherwise). Answers 202 with the job (`Location: /v1/jobs/{id}`): the agency's ASN are "
             "re-evaluated in the background, and `performance.rated` / `assessment.completed` go out only for those "
             "whose level changed. " + roles_note(*EDIT))
async def change_policy(agency_id: str, body: PolicyIn, session: SessionDep, runtime: RuntimeDep, principal: Editor,
                        request: Request, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    _own(agency_id, principal, write=True)

    async def record() -> tuple[PolicyChangeOut, int]:
        row, job = await policy.change_policy(session, agency_id, body, principal)
        runner_of(runtime).wake()
        return PolicyChangeOut(policy=policy.policy_out(agency_id, row), job=policy.job_out(job)), 202

    response = await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                                request=request, body=body, run=record)
    if response.status_code == 202:
        response.headers["Location"] = f"/v1/jobs/{json.loads(response.body)['job']['id']}"
    return response


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A re-evaluation job: state, counts, progress",
            description=roles_note(*READ))
async def get_job(job_id: str, session: SessionDep, principal: Reader) -> JobOut:
    job = await session.get(ReevaluationJob, job_id)
    if job is None or not principal.can_see_agency(job.agency_id):
        raise Problem(404, "Not found", f"No job {job_id} is visible to you.")
    return policy.job_out(job)


@router.get("/agencies/{agency_id}/jobs", response_model=list[JobOut], summary="The agency's re-evaluation jobs",
            description="Newest first. " + roles_note(*READ))
async def list_jobs(agency_id: str, session: SessionDep, principal: Reader,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[JobOut]:
    _own(agency_id, principal)
    rows = await session.scalars(select(ReevaluationJob).where(ReevaluationJob.agency_id == agency_id)
                                 .order_by(ReevaluationJob.created_at.desc()).limit(limit))
    return [policy.job_out(r) for r in rows]
