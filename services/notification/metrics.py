"""Business gauges of the notification service, computed at scrape time."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.models import Delivery
from shared.metrics import BusinessGauge, GaugeRows


async def _by_channel_and_status(session: AsyncSession) -> GaugeRows:
    rows = (await session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
    )).all()
    return [((channel, status), count) for channel, status, count in rows]


NOTIFICATIONS = BusinessGauge(
    "talenta_notifications", "Notifications by channel (inbox, email, webhook) and delivery status "
    "(pending, sending, delivered, failed)", ("channel", "status"), _by_channel_and_status,
)
