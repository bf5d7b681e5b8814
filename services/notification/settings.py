from typing import Literal

from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service_name: str = "notification"

    # Email over SMTP (SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USERNAME, SMTP_PASSWORD, SMTP_SENDER).
    email_enabled: bool = True
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = "Talenta <no-reply@talenta.local>"
    smtp_timeout_seconds: float = 10.0
    message_id_domain: str = "talenta.local"

    webhook_timeout_seconds: float = 5.0

    # The delivery worker: claims due deliveries, sends, marks; transient failures back off exponentially.
    delivery_poll_seconds: float = 0.5
    delivery_batch_size: int = 100
    delivery_concurrency: int = 10
    delivery_backoff_seconds: float = 5.0
    delivery_backoff_max_seconds: float = 600.0
    delivery_max_attempts: int = 30  # transient failures before a delivery is given up (failed)
    delivery_lease_seconds: float = 120.0  # a claimed delivery whose sender vanished is retried after this

    digest_hour_utc: int = 1  # the daily email digest goes out at this hour (01:00 UTC = 08:00 WIB)

    # Agency defaults for data-quality reminders (agencies override them over the API).
    data_quality_threshold: float = 70.0
    data_quality_period_days: int = 30
