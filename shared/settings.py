"""One settings pattern for every service: pydantic-settings, read from the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "talenta-local-development-secret-not-for-production"


class ServiceSettings(BaseSettings):
    """Settings shared by all services; each service subclasses it to set its name and add its own."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = "talenta"
    database_url: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_group_prefix: str = "talenta"
    kafka_request_timeout_ms: int = 15000

    # Auth: HS256 with a shared secret locally; in production an RSA/EC public key or a JWKS URL.
    jwt_secret: str = DEV_JWT_SECRET
    jwt_public_key: str = ""
    jwks_url: str = ""
    jwt_audience: str = "talenta"
    jwt_issuer: str = ""

    # Outbox relay.
    outbox_batch_size: int = 500
    outbox_poll_seconds: float = 0.1
    outbox_publish_timeout_seconds: float = 30.0
    ready_max_outbox_backlog: int = 100_000  # /ready fails above this many unpublished events

    # Consumers: bounded retries with exponential backoff, then the dead-letter topic.
    consumer_max_attempts: int = 4
    consumer_backoff_seconds: float = 0.2
    consumer_backoff_max_seconds: float = 5.0
    consumer_max_records: int = 500  # records per batch (one transaction); larger amortises per-batch round trips

    # Bulk imports: rows per transaction (memory is bounded by this, not by the file).
    import_chunk_rows: int = 1000

    data_dir: Path = Path("var")

    @property
    def effective_database_url(self) -> str:
        """`DATABASE_URL` when set, else the embedded default: one SQLite file per service."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.db')}"

    @property
    def group_id(self) -> str:
        """Each service is one consumer group; its instances share it."""
        return f"{self.kafka_group_prefix}-{self.service_name}"
