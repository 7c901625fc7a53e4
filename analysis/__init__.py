"""Reported landmine figures: load, validate, derive and check claims attributed to their speakers.

Plotting lives in `analysis.charts` (imported on its own, so loading data stays light).
"""

from .data import DataError, Dataset, load_claims, series, statement, validate
from .derive import derive

__all__ = ["DataError", "Dataset", "derive", "load_claims", "series", "statement", "validate"]
