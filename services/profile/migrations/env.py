from alembic import context

from services.profile.models import metadata
from shared.migrations import run_env

run_env(context, metadata)
