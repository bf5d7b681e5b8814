from alembic import context

from services.notification.models import metadata
from shared.migrations import run_env

run_env(context, metadata)
