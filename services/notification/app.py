"""The notification service: tells ASN and HR what changed — in-app inbox, email over SMTP, signed webhooks."""

from pathlib import Path
from typing import cast

from fastapi import FastAPI

from services.notification import api, api_admin, api_deliveries, api_preferences, handlers, models
from services.notification.delivery import DeliveryWorker
from services.notification.metrics import NOTIFICATIONS
from services.notification.settings import NotificationSettings
from shared.events.schemas import NotificationDelivered, NotificationFailed
from shared.service_app import Runtime, ServiceDefinition, create_service_app


def _workers(runtime: Runtime) -> list[DeliveryWorker]:
    return [DeliveryWorker(runtime.sessions, runtime.outbox, cast(NotificationSettings, runtime.settings))]


DEFINITION = ServiceDefinition(
    name="notification",
    title="Talenta notification service",
    description="In-app inbox, email and signed webhooks, from the other services' events; templates in "
                "Indonesian and English, preferences, retries and delivery status.",
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router, api_deliveries.router, api_preferences.router, api_admin.router],
    publishes=[NotificationDelivered, NotificationFailed],
    subscriptions=handlers.subscriptions,
    gauges=[NOTIFICATIONS],
    workers=_workers,
)


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or NotificationSettings())
