"""The ``huiyuan`` command line."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import httpx
import typer

from huiyuan.config import StackSettings
from shared.tokens import ROLES, Role

app = typer.Typer(help="Huiyuan: membership, loyalty and CRM backend.", no_args_is_help=True)
store_app = typer.Typer(help="Manage partner stores.", no_args_is_help=True)
app.add_typer(store_app, name="store")
dlq_app = typer.Typer(
    help="Inspect and replay events a service parked as dead letters.", no_args_is_help=True
)
app.add_typer(dlq_app, name="dlq")
staff_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
keys_app = typer.Typer(help="The keys tokens are signed with.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
import_app = typer.Typer(help="Import data into the running stack.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _say(message: str) -> None:
    typer.echo(message)


@app.command()
def up(
    replicas: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=6,
            help="Processes of loyalty and messaging (HUIYUAN_REPLICAS; default 1): replica "
            "n listens on the service's port + 10 × (n - 1); topics get 3 partitions a "
            "replica unless HUIYUAN_TOPIC_PARTITIONS says otherwise.",
        ),
    ] = None,
) -> None:
    """Start everything: embedded PostgreSQL and broker (unless DATABASE_URL /
    KAFKA_BOOTSTRAP_SERVERS are set), migrations, and the five services."""
    from huiyuan.stack import run_up

    run_up(StackSettings() if replicas is None else StackSettings(replicas=replicas), _say)


@app.command()
def migrate() -> None:
    """Create each service's role and schema and apply its migrations."""
    from huiyuan.stack import run_migrate

    run_migrate(StackSettings(), _say)


@app.command()
def demo(
    members: Annotated[int, typer.Option(min=1)] = 20,
    purchases: Annotated[int, typer.Option(min=0)] = 100,
) -> None:
    """Load a demo program into a running stack: tiers, an earning rule, stores, members, sales."""
    from huiyuan.demo import run_demo

    run_demo(StackSettings(), _say, members=members, purchases=purchases)


@store_app.command("add")
def store_add(name: str) -> None:
    """Register a store with the running orders service and print its API key (shown once)."""
    from huiyuan.devkeys import cli_token

    settings = StackSettings()
    token = cli_token(settings)
    response = httpx.post(
        f"{settings.url('orders')}/stores",
        json={"name": name},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    if response.status_code >= 400:
        typer.echo(f"error {response.status_code}: {response.text}", err=True)
        raise typer.Exit(1)
    store = response.json()
    typer.echo(f"store {store['id']} ({store['name']})")
    typer.echo(f"API key (shown once, keep it safe): {store['api_key']}")
    typer.echo(
        f"key id {store['key_id']}: rotate with POST /stores/{store['id']}/keys, revoke with "
        f"POST /stores/{store['id']}/keys/{store['key_id']}/revoke (admin)"
    )


@import_app.command("members")
def import_members(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option(help="Validate and count only")] = False,
    charset: Annotated[str, typer.Option(help="auto, utf-8 or gb18030")] = "auto",
) -> None:
    """Import members from a CSV file (docs/architecture.md "Member import") into the
    running customer service, showing the job's progress; row errors are saved next to it."""
    from huiyuan.devkeys import cli_token
    from huiyuan.imports import ImportFailed, run_import

    settings = StackSettings()
    url = settings.url("customer")
    try:
        job = run_import(
            url, cli_token(settings, "service"), file, dry_run=dry_run, charset=charset
        )
    except ImportFailed as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"import {job['id']}: {verb} {job['imported']}, skipped {job['skipped']} "
        f"(phone already a member's), failed {job['failed']} of {job['rows']} rows"
    )
    if job["failed"]:
        typer.echo(f"row errors: GET {settings.url('customer')}/imports/{job['id']}/errors")


@app.command()
def token(
    role: Annotated[str | None, typer.Option(help=f"Staff role: {', '.join(ROLES)}")] = None,
    member: Annotated[uuid.UUID | None, typer.Option(help="Member id for a member token")] = None,
    hours: Annotated[int, typer.Option(min=1, max=24)] = 12,
    subject: Annotated[
        str | None,
        typer.Option(help="Staff login the token names (default cli-<role>): desk assignees"),
    ] = None,
    store: Annotated[
        uuid.UUID | None,
        typer.Option(help="A manager token's store scope (orders' store id)"),
    ] = None,
) -> None:
    """Print a bearer token for local use, signed with the local stack's customer key
    (in the data directory; made if missing)."""
    from datetime import timedelta

    from huiyuan.devkeys import cli_signer
    from shared.tokens import issue_token

    if (role is None) == (member is None):
        raise typer.BadParameter("give exactly one of --role or --member")
    if role is not None and role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    settings = StackSettings()
    staff_role: Role | None = role
    if subject is not None and member is not None:
        raise typer.BadParameter("--subject is for staff tokens")
    if store is not None and role != "manager":
        raise typer.BadParameter("--store is for manager tokens")
    subject = subject or (f"member:{member}" if member else f"cli-{role}")
    typer.echo(
        issue_token(
            cli_signer(settings),
            subject=subject,
            role=staff_role,
            member_id=member,
            store_id=store,
            ttl=timedelta(hours=hours),
        )
    )


@staff_app.command("add")
def staff_add(
    login: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}")],
    store: Annotated[
        uuid.UUID | None, typer.Option(help="A manager's store (orders' store id)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create a staff account in the customer database (the first admin, typically); the
    password is asked for twice unless --password-stdin reads it."""
    import sys

    from pydantic import ValidationError

    from huiyuan.dlq import NoDatabase
    from huiyuan.staff import add_staff
    from services.customer.staff.schemas import StaffCreate
    from shared.errors import ProblemError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        data = StaffCreate(login=login, password=password, role=role, store_id=store)
        created = add_staff(StackSettings(), lambda message: typer.echo(message, err=True), data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.echo(f"refused: {problems}", err=True)
        raise typer.Exit(1) from exc
    except (ProblemError, NoDatabase) as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    scope = f" of store {created.store_id}" if created.store_id else ""
    typer.echo(f"staff {created.id}: {created.login}, {created.role}{scope}")


@keys_app.command("rotate")
def keys_rotate(
    service: Annotated[
        str,
        typer.Option(
            help="customer (staff and member tokens), orders (its loyalty calls), messaging "
            "or loyalty (their contact reads at customer)"
        ),
    ] = "customer",
    file: Annotated[
        Path | None,
        typer.Option(
            help="A key ring file elsewhere (the local stack's by default); its public JWKS "
            "is written beside it as <name>.jwks.json",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Start signing with a new key (the first one, for a file that does not exist yet);
    the previous key stays published for a day, so the tokens it signed keep working until
    they expire, and older keys are dropped."""
    from huiyuan.devkeys import ISSUERS, KeyFiles, key_files, rotate

    if service not in ISSUERS:
        raise typer.BadParameter(f"choose one of {', '.join(ISSUERS)}", param_hint="--service")
    files = (
        KeyFiles(file, file.with_name(f"{file.stem}.jwks.json"))
        if file is not None
        else key_files(StackSettings(), service)
    )
    ring = rotate(files, service)
    typer.echo(f"{service} signs with key {ring.current.kid} from now; published: {files.public}")
    for key in ring.keys[1:]:
        typer.echo(f"  still published: {key.kid} (retired {key.retired_at:%Y-%m-%d %H:%M} UTC)")


@app.command()
def inbox() -> None:
    """Show the emails and SMS the local providers received (embedded default only)."""
    from huiyuan.embedded.local_providers import format_inbox, read_inbox

    typer.echo(format_inbox(read_inbox(StackSettings().inbox_dir)))


@contextmanager
def _admin_database() -> Iterator[str]:
    from huiyuan.dlq import NoDatabase, admin_database

    try:
        with admin_database(StackSettings(), lambda message: typer.echo(message, err=True)) as url:
            yield url
    except NoDatabase as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@dlq_app.command("list")
def dlq_list(
    service: Annotated[
        str | None, typer.Option(help="Only this service's (orders, loyalty, messaging, analytics)")
    ] = None,
) -> None:
    """List parked events, replayed ones included, with the first line of their error."""
    from huiyuan import dlq
    from huiyuan.consumers import CONSUMING_SERVICES

    if service is not None and service not in CONSUMING_SERVICES:
        raise typer.BadParameter(
            f"{service!r} has no dead letters; choose one of {', '.join(CONSUMING_SERVICES)}",
            param_hint="--service",
        )
    with _admin_database() as admin_url:
        listed = dlq.list_parked(admin_url, [service] if service else CONSUMING_SERVICES)
    typer.echo(dlq.format_table(listed))


@dlq_app.command("replay")
def dlq_replay(
    dead_letter: Annotated[str, typer.Argument(metavar="ID", help="As listed, e.g. loyalty:3")],
) -> None:
    """Apply a parked event again with its service's handlers, once its cause is fixed.

    It is applied exactly once and marked replayed, or, if it still fails, left parked
    with the new error."""
    from huiyuan import dlq
    from shared.dead_letters import ReplayFailed, ReplayRefused

    try:
        name = dlq.DeadLetterId.parse(dead_letter)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="ID") from exc
    with _admin_database() as admin_url:
        try:
            replayed = dlq.replay(admin_url, name)
        except (ReplayRefused, ReplayFailed) as exc:
            typer.echo(f"not replayed: {exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"replayed {name} ({replayed.event_type} {replayed.event_id})")


@app.command()
def audit(
    member: Annotated[uuid.UUID | None, typer.Option(help="Only rows about this member")] = None,
    actor: Annotated[
        str | None, typer.Option(help="Only this staff user's (token subject)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Newest rows per service")] = 200,
) -> None:
    """Show the audit trail (staff changes, reads in clear) of every service, newest first."""
    from huiyuan import audit as trail
    from shared.audit.log import Filters

    if member is None and actor is None:
        raise typer.BadParameter("name a --member or an --actor", param_hint="--member")
    with _admin_database() as admin_url:
        rows = trail.trail(admin_url, Filters(member_id=member, actor=actor), limit)
    typer.echo(trail.format_table(rows))


@app.command()
def problems() -> None:
    """Print the catalogue of problem types (docs/problems.md)."""
    from huiyuan.problems import catalogue

    typer.echo(catalogue(), nl=False)


@app.command("make-migration")
def make_migration(service: str, message: str) -> None:
    """Autogenerate a service's next migration against a throwaway embedded database."""
    from huiyuan.makemigration import make_migration as generate

    generate(service, message)


if __name__ == "__main__":
    app()
