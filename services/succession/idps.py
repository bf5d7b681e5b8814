"""Individual development plans: one after each placement in a box, from the box's follow-up and the
competencies below standard; HR records progress on each intervention."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession import development
from services.succession.models import DevelopmentPlan
from shared.db import bulk_insert


class PlacementLike(Protocol):
    """A stored `Placement`, or one about to be written with its run's others."""

    id: str
    nip: str
    agency_id: str
    box: int | None
    computed_box: int | None
    performance_level: str | None
    potential_level: str | None
    reasons: list[str]
    placed_at: datetime
    calibration_decision_id: str | None


async def plans_after_placements(session: AsyncSession, placements: Sequence[PlacementLike],
                                 gaps: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """A development plan for each new placement in a box, aimed at the ASN's competencies below standard
    (`gaps` by NIP, from their latest assessment), written in one statement."""
    rows = []
    for placement in placements:
        if placement.box is None:
            continue
        targets, interventions = development.plan_for(placement.box, gaps.get(placement.nip, ()))
        rows.append({"id": str(uuid.uuid4()), "nip": placement.nip, "agency_id": placement.agency_id,
                     "placement_id": placement.id, "box": placement.box, "year": placement.placed_at.year,
                     "target_competencies": targets, "interventions": [i.as_dict() for i in interventions],
                     "created_at": placement.placed_at, "updated_by": None, "updated_at": None})
    await bulk_insert(session, cast(Table, DevelopmentPlan.__table__), rows)


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
