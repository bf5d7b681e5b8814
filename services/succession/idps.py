"""Individual development plans: one after each placement in a box, from the box's follow-up and the
competencies below standard; HR records progress on each intervention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import development
from services.succession.models import DevelopmentPlan, Placement, TalentAxes


async def plans_after_placements(session: AsyncSession, placements: Sequence[Placement]) -> None:
    """A development plan for each new placement in a box (the ASN's axes are in the session already)."""
    for placement in placements:
        if placement.box is None:
            continue
        axes = await session.get(TalentAxes, placement.nip)
        targets, interventions = development.plan_for(placement.box, axes.gaps if axes else [])
        session.add(DevelopmentPlan(
            nip=placement.nip, agency_id=placement.agency_id, placement_id=placement.id, box=placement.box,
            year=placement.placed_at.year, target_competencies=targets,
            interventions=[i.as_dict() for i in interventions], created_at=placement.placed_at))


def record_progress(plan: DevelopmentPlan, intervention_id: str, status: str, note: str | None, by: str) -> bool:
    """Update one intervention's progress; False when the plan has no such intervention."""
    items = [dict(item) for item in plan.interventions]
    for item in items:
        if item["id"] == intervention_id:
            item["status"], item["note"] = status, note
            plan.interventions = items  # a new list, so the JSON column is written
            plan.updated_by, plan.updated_at = by, datetime.now(UTC)
            return True
    return False
