"""Reported landmine figures: load, validate, derive and check claims attributed to their speakers.

Plotting lives in `analysis.charts` (imported on its own, so loading data stays light); the
dataset descriptor (dataset.yaml beside the CSVs) in `analysis.context` (`analysis.load_context`).
"""

from .data import DataError, Dataset, load_claims, series, statement, validate
from .derive import derive

__all__ = ["Context", "DataError", "Dataset", "derive", "load_claims", "load_context", "series",
           "statement", "validate"]


def __getattr__(name: str):
    """`load_context` and `Context` (analysis.context) are imported on first use: the descriptor's
    checks use pydantic, which ``import analysis`` and `load_claims` do not need."""
    if name in ("load_context", "Context"):
        from . import context

        return getattr(context, name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
