"""The notification service: tells ASN and HR what changed (in-app inbox; email and webhooks to come)."""

from pathlib import Path

from fastapi import FastAPI

from services.notification import api, handlers, models
from services.notification.metrics import NOTIFICATIONS
from services.notification.settings import NotificationSettings
from shared.service_app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="notification",
    title="Talenta notification service",
    description="In-app inbox (email and webhooks to come), from the other services' events.",
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router],
    subscriptions=handlers.subscriptions,
    gauges=[NOTIFICATIONS],
)


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or NotificationSettings())
