"""Paths anchored to the package, never to the working directory. Prints nothing."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
FIGURES_DIR = ROOT / "figures"
RUNS_FILE = ROOT / "report.yaml"
# Where notebooks run interactively save their charts when output_dir is empty:
# <OUTPUT_DIR>/<notebook>/<parameters>/ (tests point it elsewhere with ANALYSIS_OUTPUT_DIR).
OUTPUT_DIR = Path(os.environ.get("ANALYSIS_OUTPUT_DIR") or NOTEBOOKS_DIR / "output")
