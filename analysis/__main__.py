"""Command line: ``python -m analysis validate [DATA_DIR]``.

Validates the data files (the package's data/ by default) and prints a one-line summary,
or every problem as ``FILE:ROW: COLUMN: what is wrong (allowed: ...)`` with exit status 1.
Writes nothing.
"""

from __future__ import annotations

import argparse
import sys

from .data import DataError, validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check metrics.csv, sources.csv and claims.csv")
    v.add_argument("data_dir", nargs="?", default=None, help="folder holding the three files (default: data/)")
    args = parser.parse_args(argv)
    try:
        ds = validate(args.data_dir)
    except DataError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"ok: {len(ds.metrics)} metrics, {len(ds.sources)} sources, {len(ds.claims)} claims")
    return 0


if __name__ == "__main__":
    sys.exit(main())
