"""A verifier reads an issuer's JWKS over HTTP, as the services do in production (rereading
on an unknown kid is tested with files in test_crypto_and_auth.py): a rotated issuer still
publishes its previous key, and a JWKS that cannot be read is a 503."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from huiyuan.embedded.ports import free_port
from shared.errors import ServiceUnavailable, Unauthorized
from shared.jwks import PublicKeys, TokenSigner
from shared.keys import IDENTITY_ISSUER, generate_ring
from shared.tokens import issue_token, verify_token
from tests.server import serving
from tests.stack import Stack


async def test_a_verifier_fetches_the_issuer_s_jwks_and_a_rotation_keeps_the_old_key(
    stack: Stack,
) -> None:
    ring = generate_ring(IDENTITY_ISSUER)
    rotated = ring.rotated(datetime.now(UTC))
    async with serving(stack.app("customer", signing_keys=ring.to_json())) as url:
        keys = PublicKeys([f"{url}/.well-known/jwks.json"], refuse_development=True)
        token = issue_token(TokenSigner(ring.to_json(), IDENTITY_ISSUER), subject="a", role="admin")
        assert (await verify_token(keys, token)).role == "admin"
        # a key the issuer does not publish is refused even after reading the JWKS again
        newer = issue_token(
            TokenSigner(rotated.to_json(), IDENTITY_ISSUER), subject="a", role="admin"
        )
        with pytest.raises(Unauthorized, match="kid"):
            await verify_token(keys, newer)
    async with serving(stack.app("customer", signing_keys=rotated.to_json())) as url:
        keys = PublicKeys([f"{url}/.well-known/jwks.json"], refuse_development=True)
        for signed in (token, newer):  # the old key stays published after the rotation
            assert (await verify_token(keys, signed)).subject == "a"


async def test_a_jwks_that_cannot_be_read_is_a_503_not_a_401() -> None:
    keys = PublicKeys(
        [f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"], refuse_development=True
    )
    token = issue_token(
        TokenSigner(generate_ring(IDENTITY_ISSUER).to_json(), IDENTITY_ISSUER),
        subject="a",
        role="admin",
    )
    with pytest.raises(ServiceUnavailable):
        await verify_token(keys, token)
