"""The outside world: email over SMTP (aiosmtplib) and signed webhooks (httpx). Each send answers a
SendResult — delivered, transient (try later) or permanent (never) — and never raises."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import httpx

from services.notification import signing
from services.notification.domain import Outcome, SendResult, classify_http, classify_smtp
from services.notification.settings import NotificationSettings


class EmailSender:
    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings

    def message(self, *, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.smtp_sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id  # the notification id: a resend carries the same one
        message.set_content(body)
        return message

    async def send(self, message: EmailMessage) -> SendResult:
        s = self._settings
        try:
            _, reply = await aiosmtplib.send(
                message, hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username or None,
                password=s.smtp_password or None, use_tls=s.smtp_security == "tls",
                start_tls=True if s.smtp_security == "starttls" else False, timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusal = exc.recipients[0] if exc.recipients else None
            return classify_smtp(refusal.code if refusal else 550, refusal.message if refusal else str(exc))
        except aiosmtplib.SMTPResponseException as exc:
            return classify_smtp(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            return classify_smtp(None, f"{type(exc).__name__}: {exc}")
        return SendResult(Outcome.DELIVERED, reply)


class WebhookSender:
    def __init__(self, settings: NotificationSettings) -> None:
        self._client = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)

    async def send(self, *, url: str, secret: str, notification: str, body: str) -> SendResult:
        content = body.encode()
        headers = {"content-type": "application/json", signing.ID_HEADER: notification,
                   signing.SIGNATURE_HEADER: signing.sign(secret, content, int(time.time())),
                   "user-agent": "talenta-notification/1"}
        try:
            response = await self._client.post(url, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            return SendResult(Outcome.TRANSIENT, f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return SendResult(Outcome.TRANSIENT, f"{type(exc).__name__}: {exc}")
        return classify_http(response.status_code)

    async def close(self) -> None:
        await self._client.aclose()
