"""Business gauges of the succession service, computed at scrape time."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.succession.models import Placement
from services.succession.service import latest_placements
from shared.metrics import BusinessGauge, GaugeRows


async def _current_boxes(session: AsyncSession) -> GaugeRows:
    latest = latest_placements()
    rows = (await session.execute(
        select(Placement.agency_id, Placement.box, func.count())
        .join(latest, (Placement.nip == latest.c.nip) & (Placement.sequence == latest.c.sequence))
        .group_by(Placement.agency_id, Placement.box)
    )).all()
    return [((agency, str(box) if box else "unmapped"), count) for agency, box, count in rows]


PLACEMENTS_BY_BOX = BusinessGauge(
    "talenta_placements", "ASN by their current nine-box placement (box 'unmapped' when an axis is missing)",
    ("agency_id", "box"), _current_boxes,
)
