"""Reported landmine figures: load, validate, derive and check claims attributed to their speakers.

Plotting lives in `analysis.charts` (imported on its own, so loading data stays light); the
dataset descriptor (dataset.yaml beside the CSVs) in `analysis.context` (`analysis.load_context`).
"""

__all__ = ["Context", "DataError", "Dataset", "derive", "load_claims", "load_context", "series",
           "statement", "validate"]

# name -> the module that defines it. Imported on first use: ``import analysis`` (and with it
# every ``analysis.*`` module, the report runner's included) stays free of pandas and pydantic
# until something needs them; a report with nothing to execute never does.
_WHERE = {"DataError": "data", "Dataset": "data", "load_claims": "data", "series": "data",
          "statement": "data", "validate": "data", "derive": "derivation", "load_context": "context",
          "Context": "context"}


def __getattr__(name: str):
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
