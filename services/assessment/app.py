"""The assessment service: competency assessments and SKP ratings, the two axes of the grid."""

from pathlib import Path

from fastapi import FastAPI

from services.assessment import api, handlers, models
from services.assessment.settings import AssessmentSettings
from shared.events.schemas import AssessmentCompleted, PerformanceRated
from shared.service_app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="assessment",
    title="Talenta assessment service",
    description="Competency assessments (job-person match, potential) and yearly SKP performance ratings.",
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router],
    publishes=[PerformanceRated, AssessmentCompleted],
    subscriptions=handlers.subscriptions,
)


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or AssessmentSettings())
