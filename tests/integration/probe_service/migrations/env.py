from alembic import context

from tests.integration.probe_service.models import metadata
from shared.migrations import run_env

run_env(context, metadata)
