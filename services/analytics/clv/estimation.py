"""Maximum-likelihood estimates of BG/NBD and Gamma-Gamma with PyMC-Marketing.

The models are ``pymc_marketing.clv.BetaGeoModel`` and ``GammaGammaModel`` with flat
priors (``HalfFlat``) on every parameter, fitted by MAP: ``pymc.find_MAP`` maximises the log
density without the transforms' Jacobian, so with flat priors the MAP is the maximum of
the likelihood, and on CDNOW gives Fader, Hardie & Lee's published estimates (the library's
default priors pull r to about 0.29). Spend is fitted in yuan, whose scale the optimiser's
start suits, and ``gamma`` is given back in fen (the model is scale-equivariant in gamma).

This module imports PyMC, which takes seconds and compiles with g++ on first use: only the
fitting process (:mod:`.jobs`) imports it, never the API.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pymc_extras.prior import Prior
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

from services.analytics.clv.domain import BgNbd, Estimates, GammaGamma

FEN_PER_YUAN = 100.0


def _flat(*names: str) -> dict[str, Prior]:
    return {name: Prior("HalfFlat") for name in names}


def _map(model: BetaGeoModel | GammaGammaModel, names: Sequence[str]) -> dict[str, float]:
    """The MAP point, at full precision (``fit_summary`` rounds to 3 decimals)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(method="map", progressbar=False)
    if model.idata is None:
        raise RuntimeError("the MAP fit gave no result")
    posterior = model.idata["posterior"]
    return {name: float(np.asarray(posterior[name]).ravel()[0]) for name in names}


def fit_purchases(
    frequency: Sequence[int], recency: Sequence[float], age: Sequence[float]
) -> BgNbd:
    """BG/NBD by maximum likelihood on (x, t_x, T), in one time unit."""
    data = pd.DataFrame(
        {
            "customer_id": np.arange(len(frequency)),
            "frequency": np.asarray(frequency, dtype=np.int64),
            "recency": np.asarray(recency, dtype=np.float64),
            "T": np.asarray(age, dtype=np.float64),
        }
    )
    names = ("r", "alpha", "a", "b")
    values = _map(BetaGeoModel(data=data, model_config=_flat(*names)), names)
    return BgNbd(r=values["r"], alpha=values["alpha"], a=values["a"], b=values["b"])


def fit_spend(frequency: Sequence[int], mean_spend: Sequence[float]) -> GammaGamma:
    """Gamma-Gamma by maximum likelihood on the repeat buyers' (x, mean spend), in the
    currency unit given (``gamma`` comes back in it)."""
    data = pd.DataFrame(
        {
            "customer_id": np.arange(len(frequency)),
            "frequency": np.asarray(frequency, dtype=np.int64),
            "monetary_value": np.asarray(mean_spend, dtype=np.float64),
        }
    )
    names = ("p", "q", "v")
    values = _map(GammaGammaModel(data=data, model_config=_flat(*names)), names)
    return GammaGamma(p=values["p"], q=values["q"], gamma=values["v"])


def fit(
    frequency: Sequence[int],
    recency: Sequence[float],
    age: Sequence[float],
    monetary_fen: Sequence[float],
) -> Estimates:
    """Both models on a calibration period's members (spend on those with repeats); run in
    the fitting process. Monetary values are fen; the spend model's ``gamma`` is fen."""
    logging.getLogger("pymc").setLevel(logging.ERROR)
    repeaters = [i for i, x in enumerate(frequency) if x > 0]
    spend = fit_spend(
        [frequency[i] for i in repeaters], [monetary_fen[i] / FEN_PER_YUAN for i in repeaters]
    )
    return Estimates(
        purchases=fit_purchases(frequency, recency, age),
        spend=GammaGamma(p=spend.p, q=spend.q, gamma=spend.gamma * FEN_PER_YUAN),
    )
