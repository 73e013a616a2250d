"""Draws a report's Vega-Lite spec as SVG or PNG with vl-convert (Vega and Vega-Lite in an
embedded JavaScript runtime, in-process: no browser, no network; loading data from any
URL is refused, the data are inlined). A drawing takes tens to a few hundred
milliseconds of CPU (the first one in a process about half a second more), so it runs in
a worker thread off the event loop."""

from __future__ import annotations

import vl_convert
from starlette.concurrency import run_in_threadpool

from services.analytics.reports.charts import VEGA_LITE_VERSION, Spec


def _svg(spec: Spec) -> str:
    return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])


def _png(spec: Spec) -> bytes:
    return vl_convert.vegalite_to_png(
        spec, vl_version=VEGA_LITE_VERSION, scale=1, allowed_base_urls=[]
    )


async def svg(spec: Spec) -> str:
    """The chart as an SVG document of the spec's width and height."""
    return await run_in_threadpool(_svg, spec)


async def png(spec: Spec) -> bytes:
    """The chart as a PNG of exactly the spec's width × height pixels."""
    return await run_in_threadpool(_png, spec)
