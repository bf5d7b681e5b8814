"""Who is asking: JWT bearer verification, roles, and agency scope.

Claims: `sub` (user id; the NIP for an ASN), `roles` (list of Role values), `agency_id` (the
agency an agency-bound user belongs to), `nip` (for ASN self-service), `exp`, `aud`.

Locally tokens are HS256 with a shared secret (`python -m shared.auth` mints one); in production
the services verify RS256/ES256 tokens against JWT_PUBLIC_KEY or the identity provider's JWKS_URL.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Problem
from shared.settings import DEV_JWT_SECRET, ServiceSettings


class Role(StrEnum):
    ASN = "asn"  # self-service: only their own data
    HR_ADMIN = "hr_admin"  # agency HR admin: their agency's people
    TALENT_COMMITTEE = "talent_committee"  # Komite Talenta member: their agency
    BKN = "bkn"  # BKN national: reads every agency
    OPERATOR = "operator"  # runs the platform: health, dead letters; no personal data


NATIONAL_ROLES = frozenset({Role.BKN})


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    agency_id: str | None
    nip: str | None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_national(self) -> bool:
        return bool(self.roles & NATIONAL_ROLES)

    def can_see_agency(self, agency_id: str) -> bool:
        return self.is_national or self.agency_id == agency_id

    def can_see_person(self, nip: str, agency_id: str) -> bool:
        """ASN see themselves; agency staff see their agency; BKN sees everyone."""
        if self.nip == nip:
            return True
        return self.has(Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN) and self.can_see_agency(agency_id)


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._audience = settings.jwt_audience
        self._issuer = settings.jwt_issuer or None
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None
        if settings.jwt_public_key:
            self._key: Any = settings.jwt_public_key
            self._algorithms = ["RS256", "ES256"]
        else:
            self._key = settings.jwt_secret
            self._algorithms = ["HS256"]
        self._cache: dict[str, tuple[Principal, float]] = {}

    CACHE_SIZE = 10_000

    def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is answered from a bounded cache until it expires
        (the signature check is the most expensive step of a small read)."""
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires = self._verify(token)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._key
            algorithms = ["RS256", "ES256"] if self._jwks else self._algorithms
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self._audience, issuer=self._issuer,
                                options={"require": ["sub", "exp"]})
            roles = frozenset(Role(role) for role in claims.get("roles", []))
        except (jwt.PyJWTError, ValueError) as exc:
            raise Problem(401, "Invalid token", f"The bearer token was rejected: {exc}") from exc
        return (Principal(subject=claims["sub"], roles=roles, agency_id=claims.get("agency_id"), nip=claims.get("nip")),
                float(claims["exp"]))


def mint_token(
    *,
    subject: str,
    roles: Iterable[Role | str],
    agency_id: str | None = None,
    nip: str | None = None,
    secret: str = DEV_JWT_SECRET,
    audience: str = "talenta",
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A locally signed HS256 token, for development and tests."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": subject, "roles": [Role(r).value for r in roles], "aud": audience,
                              "iat": now, "exp": now + ttl_seconds}
    if agency_id:
        claims["agency_id"] = agency_id
    if nip:
        claims["nip"] = nip
    return jwt.encode(claims, secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False, description="JWT issued by the identity provider (locally: python -m shared.auth)")


def require_roles(*roles: Role) -> Callable[..., Any]:
    """A dependency that authenticates the caller and admits only the given roles."""

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Principal:
        if credentials is None:
            raise Problem(401, "Not authenticated", "An Authorization: Bearer token is required.")
        principal = request.app.state.verifier.verify(credentials.credentials)
        if not principal.has(*roles):
            raise Problem(403, "Forbidden", f"This action needs one of the roles: {', '.join(roles)}.")
        return principal

    dependency.__doc__ = "Roles: " + ", ".join(roles)
    return dependency


def roles_note(*roles: Role) -> str:
    """The line each route's OpenAPI description carries, so portals see who may call it."""
    return "**Roles:** " + ", ".join(f"`{r.value}`" for r in roles)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mint a local development token (HS256, dev secret by default).")
    parser.add_argument("--sub", required=True, help="subject: a user id, or the NIP for an ASN")
    parser.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    parser.add_argument("--agency", help="agency id, for agency-bound roles")
    parser.add_argument("--nip", help="the ASN's NIP, for self-service")
    parser.add_argument("--secret", default=ServiceSettings().jwt_secret)
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    args = parser.parse_args(argv)
    print(mint_token(subject=args.sub, roles=args.role, agency_id=args.agency, nip=args.nip,
                     secret=args.secret, ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
