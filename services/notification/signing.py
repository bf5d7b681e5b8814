"""Webhook signatures, Stripe-style: header `Talenta-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`
over `f"{t}.{body}"` with the endpoint's secret. The notification id travels in `Talenta-Webhook-Id`
(and as `id` in the body); receivers verify with `verify_signature` and drop ids they have seen.

Receivers may copy this module: it needs only the standard library."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import MutableMapping

SIGNATURE_HEADER = "Talenta-Signature"
ID_HEADER = "Talenta-Webhook-Id"


class SignatureError(ValueError):
    """The request is not a genuine, fresh, first delivery."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str, body: bytes, now: float | None = None, tolerance: float = 300,
                     seen: MutableMapping[str, float] | None = None) -> dict:
    """Check the signature and the timestamp, and (with `seen`, the receiver's memory of delivered ids
    and when they came) reject a replay; returns the parsed body.

    Raises SignatureError naming what is wrong. `seen` entries older than `tolerance` are pruned: a
    replay that old already fails the timestamp check."""
    now = time.time() if now is None else now
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise SignatureError("malformed signature header") from None
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    candidates = [value for key, value in (item.split("=", 1) for item in header.split(",")) if key == "v1"]
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("signature does not match")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"timestamp {timestamp} is outside the tolerance of {tolerance:g}s")
    try:
        payload = json.loads(body)
        notification = str(payload["id"])
    except (ValueError, KeyError, TypeError):
        raise SignatureError("body is not a Talenta notification") from None
    if seen is not None:
        for old in [key for key, at in seen.items() if now - at > tolerance]:
            del seen[old]
        if notification in seen:
            raise SignatureError(f"notification {notification} was already received (replay)")
        seen[notification] = now
    return payload
