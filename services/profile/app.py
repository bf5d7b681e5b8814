"""The profile service: ASN master data; publishes profile snapshots."""

from pathlib import Path

from fastapi import FastAPI

from services.profile import agencies_api, api, models
from services.profile.imports import PortfolioImport, ProfileImport
from services.profile.settings import ProfileSettings
from services.profile.timeliness import TimelinessSweep
from shared.events.schemas import DataQualityChanged, PortfolioChanged, ProfileRegistered, ProfileUpdated
from shared.service_app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="profile",
    title="Talenta profile service",
    description="ASN profiles and portfolios, agencies, and the data-quality index.",
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[agencies_api.router, api.router],
    publishes=[ProfileRegistered, ProfileUpdated, PortfolioChanged, DataQualityChanged],
    imports=lambda runtime: [ProfileImport(runtime.outbox), PortfolioImport(runtime.outbox)],
    workers=lambda runtime: [TimelinessSweep(runtime.sessions, runtime.outbox,
                                             interval_seconds=runtime.settings.data_quality_sweep_seconds)],
)


def create_app(settings: ProfileSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or ProfileSettings())
