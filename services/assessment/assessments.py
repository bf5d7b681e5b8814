"""Assessment results: recorded once per (NIP, date, method), corrected as new versions with a reason,
superseded by a re-assessment; JPM and potential level by the agency's policy; events via the outbox."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import catalogue, domain
from services.assessment.models import Assessment, KnownAsn, new_id
from services.assessment.policy import current_policy
from services.assessment.schemas import AssessmentIn, AssessmentOut, CompetencyResult, CorrectionIn, GapOut
from services.assessment.service import asn_in_scope
from shared.auth import Principal
from shared.errors import Problem
from shared.events.schemas import AssessmentCompleted
from shared.outbox import Outbox


def scores(row: Any) -> list[domain.CompetencyScore]:
    achieved = {c["competency"]: c["achieved"] for c in row.competencies}
    standard = {s["competency"]: (s["required"], domain.CompetencyGroup(s["group"])) for s in row.standard}
    return domain.scores_against(standard, achieved)


def _apply(row: Assessment, evaluation: domain.Evaluation) -> None:
    row.jpm, row.potential_level = evaluation.jpm, evaluation.potential_level.value
    row.valid_until, row.policy_version = evaluation.valid_until, evaluation.policy_version


def fingerprint(body: AssessmentIn | dict[str, Any]) -> str:
    """What makes two submissions of the same (NIP, date, method) the same: everything else they say
    (`body` may be the submission already dumped in JSON mode)."""
    dumped = body if isinstance(body, dict) else body.model_dump(mode="json")
    content = {k: v for k, v in dumped.items() if k not in ("nip", "assessed_on", "method")}
    content["competencies"] = sorted(content["competencies"], key=lambda c: c["competency"])
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


async def _require_catalogued(session: AsyncSession, asn: KnownAsn,
                              competencies: list[CompetencyResult]) -> dict[str, str]:
    """The agency's catalogue (name → kind), after checking every competency is in it."""
    kinds = await catalogue.kinds_for(session, asn.agency_id)
    catalogue.require_known(kinds, [c.competency for c in competencies], "competencies.{i}.competency")
    return kinds


async def _checked_competencies(session: AsyncSession, asn: KnownAsn, competencies: list[CompetencyResult],
                                target_position_code: str | None,
                                kinds: dict[str, str] | None = None) -> tuple[catalogue.Standard, str]:
    if kinds is None:
        kinds = await _require_catalogued(session, asn, competencies)
    return await catalogue.resolve_standard(session, asn, target_position_code,
                                            {c.competency: c.required for c in competencies}, kinds)


async def record_assessment(
    session: AsyncSession, outbox: Outbox, body: AssessmentIn, principal: Principal
) -> tuple[Assessment, bool]:
    """Returns the result and whether it is new. The same (NIP, date, method) sent again with the same content
    returns the recorded result; with other content it is a 409 pointing to the correction route."""
    content = fingerprint(body)
    async with session.begin():
        asn = await asn_in_scope(session, body.nip, principal, lock=True)
        kinds = await _require_catalogued(session, asn, body.competencies)
        # one read for both: the versions of this (date, method), and the ASN's result in force
        same_or_current = (await session.scalars(select(Assessment).where(Assessment.nip == body.nip, or_(
            Assessment.superseded_by.is_(None),
            (Assessment.assessed_on == body.assessed_on) & (Assessment.method == body.method),
        )).order_by(Assessment.version.desc()))).all()
        existing = next((r for r in same_or_current
                         if (r.assessed_on, r.method) == (body.assessed_on, body.method.value)), None)
        if existing is not None:
            original = existing if existing.version == 1 else await session.get(Assessment, existing.assessment_id)
            if original is not None and original.fingerprint in (content, ""):
                return existing, False
            raise Problem(409, "Already assessed", f"{body.nip} already has a {body.method} assessment on "
                          f"{body.assessed_on} (id {existing.id}) with other results; to change it, POST a correction "
                          f"with a reason to /v1/assessments/{existing.id}/corrections.",
                          errors=[{"field": "assessed_on", "message": "already assessed with this method on this date"}])
        standard, source = await _checked_competencies(session, asn, body.competencies, body.target_position_code,
                                                       kinds)
        policy = await current_policy(session, asn.agency_id)
        row_id = new_id()
        row = Assessment(
            id=row_id, assessment_id=row_id, version=1, change="original", nip=body.nip, agency_id=asn.agency_id,
            assessed_on=body.assessed_on, method=body.method.value, assessor=body.assessor,
            potential_score=body.potential_score, competencies=[c.model_dump() for c in body.competencies],
            standard=standard, standard_source=source, target_position_code=body.target_position_code,
            fingerprint=content, recorded_by=principal.subject,
        )
        _apply(row, domain.evaluate(scores(row), row.assessed_on, policy))
        previous = next((r for r in same_or_current if r.superseded_by is None), None)
        if previous is not None and previous.assessed_on > row.assessed_on:
            row.superseded_by = previous.id  # a late entry of an older assessment is history at once
            previous = None
        session.add(row)
        await session.flush()
        if previous is not None:
            previous.superseded_by = row.id
        await emit_completed(session, outbox, row, policy, supersedes=previous.id if previous else None)
    return row, True


async def correct_assessment(
    session: AsyncSession, outbox: Outbox, result_id: str, body: CorrectionIn, principal: Principal
) -> Assessment:
    """A new version of the result with the reason; the corrected version stays, superseded by it."""
    async with session.begin():
        old = await session.get(Assessment, result_id)
        if old is None or not principal.can_see_agency(old.agency_id):
            raise Problem(404, "Not found", f"No assessment result {result_id} is visible to you.")
        asn = await asn_in_scope(session, old.nip, principal, lock=True)
        await session.refresh(old)  # read again under the ASN's lock
        latest = await session.scalar(select(Assessment).where(Assessment.assessment_id == old.assessment_id)
                                      .order_by(Assessment.version.desc()).limit(1))
        assert latest is not None
        if latest.id != old.id:
            raise Problem(409, "Not the latest version", f"Result {result_id} was already corrected or re-evaluated; "
                          f"correct the latest version, {latest.id}.",
                          errors=[{"field": "id", "message": f"latest version is {latest.id}"}])
        competencies = body.competencies if body.competencies is not None else [
            CompetencyResult.model_validate(c) for c in old.competencies]
        target = body.target_position_code if "target_position_code" in body.model_fields_set else old.target_position_code
        if body.competencies is None and target == old.target_position_code:
            standard, source = old.standard, old.standard_source
        elif old.standard_source == "request" and target is None:  # levels not restated keep their requirement
            required = {s["competency"]: s["required"] for s in old.standard}
            competencies = [c if c.required is not None else c.model_copy(update={"required": required.get(c.competency)})
                            for c in competencies]
            standard, source = await _checked_competencies(session, asn, competencies, None)
        else:
            standard, source = await _checked_competencies(
                session, asn, [c.model_copy(update={"required": None}) for c in competencies], target)
        policy = await current_policy(session, asn.agency_id)
        row = Assessment(
            assessment_id=old.assessment_id, version=old.version + 1, change="correction", reason=body.reason,
            nip=old.nip, agency_id=old.agency_id, assessed_on=old.assessed_on, method=old.method,
            assessor=body.assessor or old.assessor,
            potential_score=body.potential_score if "potential_score" in body.model_fields_set else old.potential_score,
            competencies=[c.model_dump() for c in competencies], standard=standard, standard_source=source,
            target_position_code=target, fingerprint=old.fingerprint, recorded_by=principal.subject,
            superseded_by=old.superseded_by,  # a correction of history stays history
        )
        _apply(row, domain.evaluate(scores(row), row.assessed_on, policy))
        session.add(row)
        await session.flush()
        old.superseded_by = row.id
        await emit_completed(session, outbox, row, policy, supersedes=old.id)
    return row


async def emit_completed(session: AsyncSession, outbox: Outbox, row: Assessment, policy: domain.AgencyPolicy,
                         *, supersedes: str | None) -> None:
    await outbox.emit(session, completed_event(row, policy, supersedes=supersedes), subject=row.nip)


def completed_event(row: Any, policy: domain.AgencyPolicy, *, supersedes: str | None,
                    scored: list[domain.CompetencyScore] | None = None) -> AssessmentCompleted:
    """The event of a result (an Assessment, or anything with its attributes; `scored`: its scores, when known)."""
    return AssessmentCompleted.model_validate({
        "nip": row.nip, "agency_id": row.agency_id, "assessment_id": row.assessment_id, "assessed_on": row.assessed_on,
        "method": row.method, "jpm": row.jpm, "potential_level": row.potential_level, "valid_until": row.valid_until,
        "gaps": [{"competency": s.competency, "required": s.required, "achieved": s.achieved, "gap": s.gap}
                 for s in (scored if scored is not None else scores(row))],
        "policy_version": row.policy_version, "version": row.version, "change": row.change, "reason": row.reason,
        "supersedes": supersedes, "result_id": row.id, "target_position_code": row.target_position_code,
        "standard_source": row.standard_source, "weights": policy.weights, "potential_score": row.potential_score,
    })


def assessment_out(row: Assessment) -> AssessmentOut:
    data: dict[str, Any] = {c: getattr(row, c) for c in AssessmentOut.model_fields
                            if c not in {"gaps", "current", "competencies"}}
    return AssessmentOut(
        **data, current=row.superseded_by is None, competencies=[CompetencyResult.model_validate(c) for c in row.competencies],
        gaps=[GapOut(competency=s.competency, group=s.group.value, required=s.required, achieved=s.achieved, gap=s.gap)
              for s in scores(row)],
    )
