"""Agency policy as versioned data: every change is a new version (who, when, why) and starts a job that
re-evaluates the agency's ASN under it."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import domain
from services.assessment.models import PolicyVersion, ReevaluationJob
from services.assessment.schemas_admin import JobOut, PolicyIn, PolicyOut, PolicyRules
from shared.auth import Principal
from shared.errors import Problem

RULE_FIELDS = [f.name for f in fields(domain.AgencyPolicy) if f.name != "version"]
UNFINISHED = ("queued", "running")


def policy_from(row: PolicyVersion) -> domain.AgencyPolicy:
    rules = dict(row.rules)
    rules["missing_year"] = domain.MissingYear(rules.get("missing_year", domain.MissingYear.SKIP))
    return domain.AgencyPolicy(version=row.version, **{k: v for k, v in rules.items() if k in RULE_FIELDS})


async def current_policy_row(session: AsyncSession, agency_id: str) -> PolicyVersion | None:
    return await session.scalar(select(PolicyVersion).where(PolicyVersion.agency_id == agency_id)
                                .order_by(PolicyVersion.number.desc()).limit(1))


async def current_policy(session: AsyncSession, agency_id: str) -> domain.AgencyPolicy:
    row = await current_policy_row(session, agency_id)
    return policy_from(row) if row is not None else domain.DEFAULT_POLICY


async def policy_by_version(session: AsyncSession, version: str) -> domain.AgencyPolicy:
    if version == domain.DEFAULT_POLICY.version:
        return domain.DEFAULT_POLICY
    row = await session.scalar(select(PolicyVersion).where(PolicyVersion.version == version))
    if row is None:
        raise LookupError(f"no policy version {version}")
    return policy_from(row)


def policy_out(agency_id: str, row: PolicyVersion | None) -> PolicyOut:
    if row is None:
        rules = {k: v for k, v in asdict(domain.DEFAULT_POLICY).items() if k in RULE_FIELDS}
        return PolicyOut(agency_id=agency_id, version=domain.DEFAULT_POLICY.version, number=0,
                         reason="national default (domain.md §3)", changed_by="system", changed_at=None, **rules)
    return PolicyOut(agency_id=row.agency_id, version=row.version, number=row.number, reason=row.reason,
                     changed_by=row.changed_by, changed_at=row.changed_at, **row.rules)


def job_out(job: ReevaluationJob) -> JobOut:
    done = job.state == "succeeded"
    progress = 1.0 if done else (min(1.0, job.processed / job.total) if job.total else 0.0)
    return JobOut.model_validate({**{c: getattr(job, c) for c in JobOut.model_fields if c != "progress"},
                                  "progress": round(progress, 4)})


async def change_policy(session: AsyncSession, agency_id: str, body: PolicyIn,
                        principal: Principal) -> tuple[PolicyVersion, ReevaluationJob]:
    """A new version (422 when inconsistent) and a queued re-evaluation job; unfinished jobs of older
    versions of the agency are superseded (the new job re-evaluates everyone against the stored results)."""
    rules: dict[str, Any] = body.model_dump(include=set(PolicyRules.model_fields), mode="json")
    candidate = domain.AgencyPolicy(version="candidate", **{**rules, "missing_year": domain.MissingYear(rules["missing_year"])})
    problems = domain.policy_problems(candidate)
    if problems:
        raise Problem(422, "Invalid request", "; ".join(f"{f}: {m}" for f, m in problems),
                      errors=[{"field": f, "message": m} for f, m in problems])
    try:
        async with session.begin():
            number = (await session.scalar(select(func.max(PolicyVersion.number))
                                           .where(PolicyVersion.agency_id == agency_id)) or 0) + 1
            row = PolicyVersion(agency_id=agency_id, number=number, version=f"{agency_id}-{number}", rules=rules,
                                reason=body.reason, changed_by=principal.subject)
            session.add(row)
            await session.flush()
            await session.execute(update(ReevaluationJob).where(
                ReevaluationJob.agency_id == agency_id, ReevaluationJob.state.in_(UNFINISHED)
            ).values(state="superseded", error=f"superseded by policy {row.version}"))
            job = ReevaluationJob(agency_id=agency_id, policy_version=row.version, state="queued", total=0,
                                  processed=0, assessments_changed=0, performance_changed=0, events_emitted=0,
                                  created_by=principal.subject)
            session.add(job)
    except IntegrityError:
        raise Problem(409, "Concurrent policy change", f"Another policy version of {agency_id} was just saved; "
                      "read it and send yours again.") from None
    return row, job


async def versions(session: AsyncSession, agency_id: str) -> list[PolicyVersion]:
    return list((await session.scalars(select(PolicyVersion).where(PolicyVersion.agency_id == agency_id)
                                       .order_by(PolicyVersion.number.desc()))).all())
