import time

import jwt
import pytest

from shared.auth import Principal, Role, TokenVerifier, mint_token
from shared.errors import Problem
from shared.settings import ServiceSettings

SETTINGS = ServiceSettings(jwt_secret="unit-test-secret-of-at-least-32-bytes!")


def _verify(token: str) -> Principal:
    return TokenVerifier(SETTINGS).verify(token)


def test_minted_token_verifies_with_its_claims() -> None:
    token = mint_token(subject="u1", roles=[Role.HR_ADMIN], agency_id="kab-a", secret="unit-test-secret-of-at-least-32-bytes!")
    principal = _verify(token)
    assert principal.subject == "u1" and principal.roles == {Role.HR_ADMIN} and principal.agency_id == "kab-a"


@pytest.mark.parametrize(
    "token",
    [
        mint_token(subject="u1", roles=["hr_admin"], secret="another-secret-that-is-long-enough-for-hs256"),
        mint_token(subject="u1", roles=["hr_admin"], secret="unit-test-secret-of-at-least-32-bytes!", audience="someone-else"),
        mint_token(subject="u1", roles=["hr_admin"], secret="unit-test-secret-of-at-least-32-bytes!", ttl_seconds=-10),
        "not-a-jwt",
        jwt.encode({"sub": "u1", "roles": ["superuser"], "aud": "talenta", "exp": int(time.time()) + 60},
                   "unit-test-secret-of-at-least-32-bytes!", algorithm="HS256"),
        jwt.encode({"sub": "u1", "roles": ["bkn"], "aud": "talenta", "exp": int(time.time()) + 60}, "", algorithm="none"),
    ],
    ids=["wrong-secret", "wrong-audience", "expired", "garbage", "unknown-role", "alg-none"],
)
def test_bad_tokens_are_401(token: str) -> None:
    with pytest.raises(Problem) as caught:
        _verify(token)
    assert caught.value.status == 401


def test_agency_scope() -> None:
    hr = Principal("u1", frozenset({Role.HR_ADMIN}), "kab-a", None)
    bkn = Principal("u2", frozenset({Role.BKN}), None, None)
    asn = Principal("198609262015051001", frozenset({Role.ASN}), "kab-a", "198609262015051001")
    operator = Principal("ops", frozenset({Role.OPERATOR}), None, None)
    assert hr.can_see_person("199001012015052003", "kab-a")
    assert not hr.can_see_person("199001012015052003", "kab-b")
    assert bkn.can_see_person("199001012015052003", "kab-b")
    assert asn.can_see_person("198609262015051001", "kab-a")
    assert not asn.can_see_person("199001012015052003", "kab-a")  # a colleague in the same agency
    assert not operator.can_see_person("199001012015052003", "kab-a")  # operators see no personal data


def test_production_tokens_verify_against_a_configured_public_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    claims = {"sub": "u9", "roles": ["bkn"], "aud": "talenta", "exp": int(time.time()) + 60}
    verifier = TokenVerifier(ServiceSettings(jwt_public_key=public_pem))
    assert verifier.verify(jwt.encode(claims, key, algorithm="RS256")).roles == {Role.BKN}
    # a token signed with the development secret is no longer accepted
    with pytest.raises(Problem) as caught:
        verifier.verify(mint_token(subject="u9", roles=["bkn"]))
    assert caught.value.status == 401


def test_a_verified_token_is_remembered_only_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(ServiceSettings())
    token = mint_token(subject="hr-1", roles=["hr_admin"], agency_id="kab-a", ttl_seconds=60)
    first = verifier.verify(token)
    assert verifier.verify(token) is first  # answered from the cache
    later = time.time() + 120  # past the token's exp: the cache must not answer, the token is checked again

    def expired(*args: object, **kwargs: object) -> None:
        raise jwt.ExpiredSignatureError("Signature has expired")

    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(jwt, "decode", expired)  # what PyJWT says at that time (it reads its own clock)
    with pytest.raises(Problem) as rejected:
        verifier.verify(token)
    assert rejected.value.status == 401
