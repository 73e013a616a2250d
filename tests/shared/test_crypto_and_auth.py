from __future__ import annotations

import json
import stat
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.customer.config import Settings as CustomerSettings
from shared.auth import ensure_member_access
from shared.crypto import PiiCipher, mask_email, mask_phone
from shared.errors import Forbidden, Unauthorized
from shared.jwks import PublicKeys, TokenSigner, development_signer
from shared.keys import (
    IDENTITY_ISSUER,
    KEEP_RETIRED,
    ORDERS_ISSUER,
    KeyFileError,
    KeyRing,
    SigningKey,
    development_ring,
    generate_ring,
    ring_in,
    save_ring,
)
from shared.settings import BaseServiceSettings
from shared.tokens import NOT_A_JWT, Principal, issue_member_token, issue_token, verify_token


def test_pii_round_trips_and_hashes_are_keyed() -> None:
    cipher = PiiCipher("key-one")
    token = cipher.encrypt("13812345678")
    assert "13812345678" not in token
    assert cipher.decrypt(token) == "13812345678"
    assert cipher.phone_hash("+86 138-1234-5678") == cipher.phone_hash("13812345678")
    assert PiiCipher("key-two").phone_hash("13812345678") != cipher.phone_hash("13812345678")


def test_masks_hide_the_middle() -> None:
    assert mask_phone("+8613812345678") == "+86 138****5678"
    assert mask_email("lilei@example.com") == "l****@example.com"


def _keys(*rings: KeyRing) -> PublicKeys:
    """The verifier's side: only the rings' public JWKS, as files a service would read."""
    directory = Path(tempfile.mkdtemp())
    paths = []
    for number, ring in enumerate(rings):
        path = directory / f"{number}.jwks.json"
        path.write_text(json.dumps(ring.jwks()))
        paths.append(str(path))
    return PublicKeys(paths, refuse_development=True)


RING = generate_ring(IDENTITY_ISSUER)
SIGNER = TokenSigner(RING.to_json(), IDENTITY_ISSUER)


def _signed(claims: dict[str, object], key: SigningKey = RING.current, **header: str) -> str:
    return jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.kid, **header})


def _claims(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": IDENTITY_ISSUER, "sub": "ops", "role": "admin", "iat": now,
        "exp": now + timedelta(minutes=5),
    }  # fmt: skip
    return claims | changes


async def test_tokens_carry_role_store_or_member() -> None:
    keys, member, store = _keys(RING), uuid.uuid4(), uuid.uuid4()
    staff = await verify_token(keys, issue_token(SIGNER, subject="ops", role="marketing"))
    assert staff == Principal(subject="ops", role="marketing")
    manager = await verify_token(
        keys, issue_token(SIGNER, subject="wang", role="manager", store_id=store)
    )
    assert (manager.role, manager.store_id) == ("manager", store)
    own = await verify_token(keys, issue_member_token(SIGNER, member))
    assert (own.member_id, own.subject) == (member, f"member-{member}")
    assert jwt.get_unverified_header(issue_member_token(SIGNER, member))["kid"] == RING.current.kid
    with pytest.raises(ValueError, match="at most"):
        issue_token(SIGNER, subject="ops", role="admin", ttl=timedelta(days=2))


def _forged() -> str:
    """A token signed by RING's kid whose payload was changed afterwards."""
    header, _payload, signature = _signed(_claims(role="analyst")).split(".")
    claims = {
        name: int(v.timestamp()) if isinstance(v, datetime) else v for name, v in _claims().items()
    }
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return ".".join((header, payload, signature))


def _unsigned() -> str:
    header = jwt.utils.base64url_encode(b'{"alg":"none","kid":"%s"}' % RING.current.kid.encode())
    payload = jwt.utils.base64url_encode(json.dumps(_claims(), default=str).encode())
    return f"{header.decode()}.{payload.decode()}."


def _hs256_with_the_public_key() -> str:
    public = RING.current.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = json.dumps(RING.jwks()["keys"][0]).encode() + public
    claims = _claims()
    token: str = jwt.encode(claims, key, algorithm="HS256", headers={"kid": RING.current.kid})
    return token


REFUSED: dict[str, Callable[[], str]] = {
    "forged signature": _forged,
    "alg none": _unsigned,
    "HS256 with the public key as secret": _hs256_with_the_public_key,
    "unknown kid": lambda: _signed(_claims(), generate_ring(IDENTITY_ISSUER).current),
    "another key under a known kid": lambda: _signed(
        _claims(), replace(generate_ring(IDENTITY_ISSUER).current, kid=RING.current.kid)
    ),
    "expired": lambda: _signed(_claims(exp=datetime.now(UTC) - timedelta(seconds=5))),
    "another issuer": lambda: _signed(_claims(iss="someone-else")),
    "no kid": lambda: jwt.encode(_claims(), RING.current.private, algorithm="EdDSA"),
    "the development key": lambda: issue_token(development_signer(), subject="x", role="admin"),
    "not a JWT": lambda: "not-a-token",
}


@pytest.mark.parametrize("made", REFUSED.values(), ids=REFUSED.keys())
async def test_verifiers_refuse_every_other_token(made: Callable[[], str]) -> None:
    keys = _keys(RING, development_ring(IDENTITY_ISSUER))
    with pytest.raises(Unauthorized) as refused:
        await verify_token(keys, made())
    assert refused.value.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def _b64(text: str) -> str:
    return jwt.utils.base64url_encode(text.encode()).decode()


UNREADABLE = {
    "one part": "not-a-token",
    "two parts": "e30.e30",
    "parts that are no base64": "a!.b!.c!",
    "a header that is no JSON": f"{_b64('not json')}.e30.c2ln",
    "a header that is a list": f"{_b64('[]')}.e30.c2ln",
    "a signed payload that is no JSON": jwt.PyJWS().encode(
        b"not json", RING.current.private, algorithm="EdDSA", headers={"kid": RING.current.kid}
    ),
}


@pytest.mark.parametrize("token", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_a_token_that_is_no_jwt_is_refused_in_this_api_s_words(token: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        await verify_token(_keys(RING), token)
    assert refused.value.detail == NOT_A_JWT
    assert refused.value.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}


async def test_a_service_issuer_may_only_sign_the_service_role() -> None:
    orders = generate_ring(ORDERS_ISSUER)
    keys, signer = _keys(RING, orders), TokenSigner(orders.to_json(), ORDERS_ISSUER)
    call = await verify_token(keys, issue_token(signer, subject="orders", role="service"))
    assert call.role == "service"
    with pytest.raises(Unauthorized, match="only name the service role"):
        await verify_token(keys, issue_token(signer, subject="orders", role="admin"))
    with pytest.raises(Unauthorized, match="only name the service role"):
        await verify_token(keys, issue_member_token(signer, uuid.uuid4()))


async def test_after_a_rotation_old_tokens_verify_until_their_key_is_dropped(
    tmp_path: Path,
) -> None:
    private, public = tmp_path / "customer.json", tmp_path / "customer.jwks.json"
    first = ring_in(private, public, IDENTITY_ISSUER)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    signer = TokenSigner(str(private), IDENTITY_ISSUER)
    keys = PublicKeys([str(public)], refuse_development=True, unknown_kid_interval=0)
    old = issue_token(signer, subject="ops", role="admin")
    assert (await verify_token(keys, old)).subject == "ops"
    rotated = first.rotated(datetime.now(UTC))
    save_ring(private, public, rotated)
    new = issue_token(signer, subject="ops", role="admin")  # the signer rereads its file
    assert jwt.get_unverified_header(new)["kid"] == rotated.current.kid != first.current.kid
    assert (await verify_token(keys, new)).subject == "ops"  # an unknown kid rereads the JWKS
    assert (await verify_token(keys, old)).subject == "ops"  # still published
    later = rotated.rotated(datetime.now(UTC) + KEEP_RETIRED + timedelta(seconds=1))
    assert [key.kid for key in later.keys] == [later.current.kid, rotated.current.kid]


async def test_without_sources_the_development_keys_stay_whatever_kid_comes() -> None:
    keys = PublicKeys([], refuse_development=False)
    with pytest.raises(Unauthorized, match="kid"):
        await verify_token(keys, _signed(_claims()))  # a kid no source publishes
    token = issue_token(development_signer(), subject="ops", role="admin")
    assert (await verify_token(keys, token)).role == "admin"


def test_production_refuses_the_development_ring() -> None:
    signer = TokenSigner("", IDENTITY_ISSUER, refuse_development=True)
    with pytest.raises(KeyFileError, match="development"):
        issue_token(signer, subject="ops", role="admin")


def test_members_only_see_themselves() -> None:
    member = uuid.uuid4()
    ensure_member_access(Principal("m", member_id=member), member)
    with pytest.raises(Forbidden):
        ensure_member_access(Principal("m", member_id=member), uuid.uuid4())
    with pytest.raises(Forbidden):
        ensure_member_access(Principal("a", role="analyst"), member, "service")
    ensure_member_access(Principal("a", role="admin"), member)


def test_production_settings_need_published_keys_and_an_issuer_s_own_ring() -> None:
    production = {"environment": "production", "pii_key": "p" * 64}
    with pytest.raises(ValueError, match="jwks must name"):
        BaseServiceSettings.model_validate(production)
    production["jwks"] = '["http://customer:8000/.well-known/jwks.json"]'
    assert BaseServiceSettings.model_validate(production).jwks[0].startswith("http://customer")
    for ring in ("", "no-such-file.json", development_ring(IDENTITY_ISSUER).to_json()):
        with pytest.raises(ValueError, match="signing_keys must"):
            CustomerSettings.model_validate(production | {"signing_keys": ring})
    own = CustomerSettings.model_validate(production | {"signing_keys": RING.to_json()})
    assert TokenSigner.of(own, IDENTITY_ISSUER).ring.current.kid == RING.current.kid
