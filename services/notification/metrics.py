"""Business gauges of the notification service, computed at scrape time."""

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.models import InboxMessage
from shared.metrics import BusinessGauge, GaugeRows


async def _by_channel_and_status(session: AsyncSession) -> GaugeRows:
    status = case((InboxMessage.read_at.is_(None), "unread"), else_="read")
    rows = (await session.execute(
        select(InboxMessage.channel, status, func.count()).group_by(InboxMessage.channel, status)
    )).all()
    return [((channel, state), count) for channel, state, count in rows]


NOTIFICATIONS = BusinessGauge(
    "talenta_notifications", "Notifications by channel and status", ("channel", "status"), _by_channel_and_status,
)
