from alembic import context

from services.succession.models import metadata
from shared.migrations import run_env

run_env(context, metadata)
