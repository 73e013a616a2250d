"""The one idempotency dependency every idempotent POST uses, and its OpenAPI entries.

A route declares its caller dependency once and gets an :class:`IdempotentPost` bound to
the request's transaction, the ``Idempotency-Key`` header and a scope derived from the
caller (``store:<id>``, ``staff:<subject>``, ``member:<id>``)::

    Sale = Annotated[IdempotentPost, Depends(Idempotent(current_store))]

    async def post_sale(body: SaleIn, session: RequestSession, store: CurrentStore,
                        idempotent: Sale) -> JSONResponse:
        answer = await idempotent.run(body, lambda: service.record(session, store, body))
        return answer.response()

FastAPI resolves a dependency once per request, so the caller dependency named here and
in the route's own parameters runs once.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, Request
from pydantic import BaseModel

from shared.db import AsyncSession
from shared.dependencies import RequestSession, current_store
from shared.errors import PROBLEM_JSON, ProblemError
from shared.idempotency.answers import Outcome, StoredAnswer, answer_of
from shared.idempotency.errors import (
    KEY_PATTERN,
    MAX_KEY_LENGTH,
    RETRY_AFTER_SECONDS,
    RequestInProgress,
    check_key,
)
from shared.idempotency.identity import identify
from shared.idempotency.keys import IdempotencyKeys
from shared.settings import BaseServiceSettings


class Caller(Protocol):
    """Whoever sends an idempotent POST: a store, a staff member or a member."""

    @property
    def idempotency_scope(self) -> str: ...

    def idempotency_retention(self, settings: BaseServiceSettings) -> timedelta: ...


@dataclass(frozen=True)
class IdempotentPost:
    """One POST's idempotency: its key (``None`` when optional and absent) and scope."""

    session: AsyncSession
    keys: IdempotencyKeys
    key: str | None
    scope: str
    retention: timedelta
    sent: Any
    """The request's body as sent (parsed JSON), which identifies it (``identity``)."""
    route: str | None = None
    """The request's method and URL path, part of its identity."""

    async def run(
        self,
        body: BaseModel,
        action: Callable[[], Awaitable[Outcome]],
        *,
        path: dict[str, str] | None = None,
        status: int = 201,
    ) -> StoredAnswer:
        """``action``'s answer, stored under the key; or the stored answer of a retry.

        ``action`` returns its new answer, or :class:`~shared.idempotency.keys.Replayed`
        with the answer of earlier work the request repeats.

        ``body`` is the validated body; ``path`` the URL values that name the resource when
        the same body may come for two (a return's purchase). Raises what
        :meth:`IdempotencyKeys.run` raises.
        """
        if self.key is None:
            return answer_of(await action(), status)
        return await self.keys.run(
            self.session,
            scope=self.scope,
            key=self.key,
            request=identify(self.sent, body, path, self.route),
            retention=self.retention,
            action=action,
            status=status,
        )


_DESCRIPTION = (
    "A retry with the same key and body gets the first successful answer (with "
    "`Idempotent-Replayed: true`), the same key with another body 422, and a retry while the "
    "first request is still running 409 with `Retry-After`. Keys are scoped to the caller."
)


def key_header(*, required: bool, example: str) -> Any:
    """The ``Idempotency-Key`` header parameter, for :func:`Idempotent` and for a route
    that builds its :class:`IdempotentPost` itself (one whose body is not JSON)."""
    return Header(
        alias="Idempotency-Key",
        description=("Required. " if required else "Optional. ") + _DESCRIPTION,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=KEY_PATTERN,
        examples=[example],
    )


def Idempotent(  # noqa: N802 - used like a class in Depends(...)
    caller: Callable[..., Any],
    *,
    required: bool = True,
    example: str = "R-20261123-0042",
) -> Callable[..., Awaitable[IdempotentPost]]:
    """The dependency of an idempotent POST whose caller comes from ``caller``.

    ``required=False`` makes the header optional (then the POST runs without a key).
    Raises ``InvalidIdempotencyKey`` (422) for a malformed key.
    """
    header = key_header(required=required, example=example)

    async def answer(
        request: Request, session: AsyncSession, who: Caller, key: str | None
    ) -> IdempotentPost:
        keys: IdempotencyKeys | None = request.app.state.spec.idempotency
        if keys is None:
            raise TypeError("this service keeps no idempotency keys")
        settings: BaseServiceSettings = request.app.state.settings
        return IdempotentPost(
            session,
            keys,
            None if key is None else check_key(key),
            who.idempotency_scope,
            who.idempotency_retention(settings),
            await _sent(request) if key is not None else None,
            f"{request.method} {request.url.path}",
        )

    # real annotations, not strings: FastAPI must see ``caller`` and ``header``, which are
    # locals of this factory. A required header has no default, so that the OpenAPI says
    # it is required and a request without one is a 422 naming it.
    if required:

        async def dependency(
            request: Request,
            session: RequestSession,
            who: Annotated[Caller, Depends(caller)],
            key: Annotated[str, header],
        ) -> IdempotentPost:
            return await answer(request, session, who, key)

    else:

        async def dependency(  # type: ignore[misc]  # the same signature, the header optional
            request: Request,
            session: RequestSession,
            who: Annotated[Caller, Depends(caller)],
            key: Annotated[str | None, header] = None,
        ) -> IdempotentPost:
            return await answer(request, session, who, key)

    return dependency


async def _sent(request: Request) -> Any:
    """The body as sent, parsed: FastAPI parsed it already and Starlette keeps it. A body
    that is not JSON fails the route's validation, so the route never runs with ``None``;
    no body at all (where the route's body is optional) is the same request as ``{}``."""
    if not (await request.body()).strip():
        return {}
    try:
        return await request.json()
    except ValueError:
        return None


StorePost = Annotated[IdempotentPost, Depends(Idempotent(current_store))]
"""An idempotent POST by a store (its keys are scoped to the store and kept longer)."""


def _example(problem: ProblemError) -> dict[str, Any]:
    return {
        "summary": problem.detail,
        "value": {
            "type": problem.problem_type,
            "title": problem.title,
            "status": problem.status,
            "detail": problem.detail,
        },
    }


def openapi_conflict(*others: ProblemError) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry for 409 of an idempotent POST, with examples.

    ``others`` are the endpoint's own 409s, shown beside the one every idempotent POST has.
    """
    in_progress = RequestInProgress(
        "A request with Idempotency-Key 'R-20261123-0042' is still being processed; retry in "
        f"{RETRY_AFTER_SECONDS} s with the same key and body to get its answer"
    )
    examples = {"in_progress": _example(in_progress)}
    examples.update({problem.slug or "conflict": _example(problem) for problem in others})
    more = "".join(f" Or: {problem.detail}." for problem in others)
    return {
        409: {
            "description": "A request with this `Idempotency-Key` is still being processed: "
            "retry after `Retry-After` seconds with the same key and body to get its answer."
            + more,
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before retrying (only while in progress)",
                    "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
                }
            },
            "content": {PROBLEM_JSON: {"examples": examples}},
        }
    }
