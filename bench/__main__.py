"""``python -m bench``: benchmark the purchase pipeline (``make bench`` runs this)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from bench.run import Options, run

app = typer.Typer(add_completion=False)


@app.command()
def main(
    rate: Annotated[float, typer.Option(min=0.1, help="Sales per second offered")] = 200.0,
    duration: Annotated[float, typer.Option(min=1, help="Seconds of each step")] = 60.0,
    ramp: Annotated[
        str | None,
        typer.Option(help="START:STOP:STEP sales/s: a step ramp to find saturation"),
    ] = None,
    members: Annotated[int, typer.Option(min=1)] = 10_000,
    stores: Annotated[int, typer.Option(min=1)] = 8,
    reads: Annotated[
        float, typer.Option(min=0, help="Balance reads per second alongside the sales")
    ] = 0.0,
    batch: Annotated[
        int, typer.Option(min=0, max=1000, help="Sales per POST /purchases:batch (0: one by one)")
    ] = 0,
    workers: Annotated[int, typer.Option(min=1, help="Load generator processes")] = 1,
    connections: Annotated[int, typer.Option(min=1, help="Connections per store client")] = 32,
    pgbench_seconds: Annotated[int, typer.Option(min=0, help="0 skips pgbench")] = 30,
    pgbench_scale: Annotated[int, typer.Option(min=1)] = 1,
    max_lag: Annotated[
        float, typer.Option(help="Backlog a sustained step may end with, in seconds of load")
    ] = 5.0,
    drain: Annotated[float, typer.Option(help="Seconds to wait for a step's sales to finish")] = 60,
    target: Annotated[
        bool, typer.Option(help="Drive a running stack (HUIYUAN_* ports) instead of starting one")
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="DATABASE_URL", help="Superuser URL of the stack's PostgreSQL"),
    ] = None,
    bulk_members: Annotated[
        bool, typer.Option(help="Register members through customer's use case, not HTTP")
    ] = False,
    sms_consent: Annotated[
        bool, typer.Option(help="Members accept SMS (messages are sent)")
    ] = True,
    catalog: Annotated[
        bool, typer.Option(help="Load a catalog first: sales' SKUs are then checked strictly")
    ] = False,
    several_rules: Annotated[
        bool,
        typer.Option(
            help="Earn by a program of several rules (categories, a SKU, a member day every "
            "day, a bonus, an exclusion, a minimum and caps) instead of the plain rate"
        ),
    ] = False,
    campaign: Annotated[
        bool,
        typer.Option(
            help="Run under an active campaign: x2 on cosmetics, a bonus from 200 yuan, a budget"
        ),
    ] = False,
    coupons: Annotated[
        bool,
        typer.Option(
            help="Every member holds a 满200减30 coupon and each sale's basket is validated "
            "with the member's coupons first (POST /coupons/validate)"
        ),
    ] = False,
    saturation: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            help="Sales/s an earlier ramp sustained: a step at 70 % of it is judged against "
            "the latency targets",
        ),
    ] = None,
    pg_statements: Annotated[
        bool,
        typer.Option(
            help="Embedded stack: PostgreSQL with pg_stat_statements, its top statements "
            "of each step in the report"
        ),
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Embedded stack's data (default: temp)")
    ] = None,
    results_dir: Annotated[Path, typer.Option()] = Path("bench/results"),
    seed: Annotated[int, typer.Option()] = 1,
) -> None:
    """Start (or target) the stack, register members, run pgbench, drive purchases with an
    open-model generator and write bench/results/<time>.{json,md,png}."""
    logging.basicConfig(level=logging.WARNING)
    options = Options(
        rate=rate,
        duration=duration,
        ramp=ramp,
        members=members,
        stores=stores,
        reads=reads,
        batch=batch,
        workers=workers,
        connections=connections,
        pgbench_seconds=pgbench_seconds,
        pgbench_scale=pgbench_scale,
        max_lag_seconds=max_lag,
        drain_seconds=drain,
        target=target,
        database_url=database_url,
        bulk_members=bulk_members,
        sms_consent=sms_consent,
        catalog=catalog,
        several_rules=several_rules,
        campaign=campaign,
        coupons=coupons,
        saturation=saturation,
        pg_statements=pg_statements,
        data_dir=data_dir,
        results_dir=results_dir,
        seed=seed,
    )
    try:
        options.steps()
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--ramp / --rate") from error
    _, paths = run(options, typer.echo)
    typer.echo(paths["md"].read_text())
    typer.echo("Written: " + ", ".join(str(path) for path in paths.values()))


if __name__ == "__main__":
    app()
