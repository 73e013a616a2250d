"""Audit rows from requests: what a staff change or an unmasked read records.

The principal comes from ``request.state.principal``, where
:func:`shared.auth.current_principal` leaves it; the operation from the matched route (its
template, not the path, and its OpenAPI operation id); the targets from the path parameters.
The client is the peer's address, or, behind ``trusted_proxies`` proxies, the address the
outermost trusted one saw (``X-Forwarded-For`` counted from the right, so a client cannot
forge it by sending the header itself).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
from fastapi import Request
from fastapi.routing import APIRoute

from shared.audit.log import AuditLog, Entry, Kind
from shared.db import AsyncSession
from shared.observability import request_id_var
from shared.tokens import Principal

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_MAX_FIELDS = 32
_MAX_PARSED_BODY = 64 * 1024
"""A larger JSON body (a batch, an import) is not parsed again for its field names."""
_MEMBER_PARAMS = ("member_id",)


def staff_principal(request: Request) -> Principal | None:
    """The staff caller of this request, if a staff token was checked."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal) and principal.is_staff:
        return principal
    return None


def client_address(request: Request, trusted_proxies: int) -> str | None:
    """The client's address: the peer's, or with ``trusted_proxies`` proxies in front, the
    entry of ``X-Forwarded-For`` the outermost trusted proxy appended."""
    peer = request.client.host if request.client else None
    if trusted_proxies <= 0:
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < trusted_proxies:
        return peer
    return hops[-trusted_proxies][:64]


def _route(request: Request) -> tuple[str, str]:
    """The route template and the operation id of the matched route."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        return route.path_format, route.operation_id or route.unique_id
    return request.url.path, f"{request.method} {request.url.path}"


def _member_of(targets: dict[str, str]) -> uuid.UUID | None:
    for name in _MEMBER_PARAMS:
        if name in targets:
            try:
                return uuid.UUID(targets[name])
            except ValueError:
                return None
    return None


async def _field_names(request: Request) -> list[str] | None:
    """The top-level member names of a JSON object body (never its values)."""
    if "json" not in request.headers.get("content-type", ""):
        return None
    body = await request.body()
    if not body or len(body) > _MAX_PARSED_BODY:
        return None
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    return sorted(name for name in parsed if _FIELD.fullmatch(name))[:_MAX_FIELDS]


def _log_of(request: Request) -> AuditLog | None:
    log: AuditLog | None = getattr(request.app.state.spec, "audit", None)
    return log


def entry(
    request: Request,
    principal: Principal,
    kind: Kind,
    *,
    operation: str | None = None,
    member_id: uuid.UUID | None = None,
    fields: list[str] | None = None,
    status: int | None = None,
) -> Entry:
    """The audit row of ``request`` by ``principal``."""
    route, operation_id = _route(request)
    targets = {name: str(value)[:128] for name, value in request.path_params.items()}
    return Entry(
        kind=kind,
        actor=principal.subject,
        actor_role=principal.role,
        operation=operation or operation_id,
        method=request.method,
        route=route,
        targets=targets,
        member_id=member_id or _member_of(targets),
        fields=fields,
        client=client_address(request, request.app.state.settings.trusted_proxies),
        request_id=request_id_var.get(),
        status=status,
    )


async def record_change(session: AsyncSession, request: Request) -> None:
    """Records a staff request that changes data (any method but GET, HEAD and OPTIONS), in
    ``session``'s transaction; a member's or a store's request is not recorded (a store's
    sales are their own record). Called once the handler returned: a handler that raised
    leaves no row, as its change is rolled back with it."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    log = _log_of(request)
    principal = staff_principal(request)
    if log is None or principal is None:
        return
    route = request.scope.get("route")
    status = route.status_code if isinstance(route, APIRoute) else None
    row = entry(
        request,
        principal,
        "change",
        fields=await _field_names(request),
        status=status or 200,
    )
    await log.add(session, row)


async def record_read(
    session: AsyncSession, request: Request, what: str, member_id: uuid.UUID | None
) -> None:
    """Records that staff read ``what`` (e.g. ``member.contact``) in clear; a member reading
    their own data is not recorded."""
    log = _log_of(request)
    principal = staff_principal(request)
    if log is None or principal is None:
        return
    await log.add(
        session, entry(request, principal, "read", operation=what, member_id=member_id, status=200)
    )
