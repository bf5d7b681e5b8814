"""The probe service's schema (the plumbing test tables), migrated like a real service's."""

from tests.integration.plumbing import Base

metadata = Base.metadata
