"""Command line: ``python -m analysis validate [DATA_DIR]``.

Validates the data files and the dataset descriptor (dataset.yaml, when there is one; the
package's data/ by default) and prints a one-line summary,
or every problem as ``FILE:ROW: COLUMN: what is wrong (allowed: ...)`` with exit status 1.
Writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config
from .data import DataError, validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check metrics.csv, sources.csv, claims.csv and dataset.yaml")
    v.add_argument("data_dir", nargs="?", default=None, help="folder holding the three files (default: data/)")
    args = parser.parse_args(argv)
    try:
        ds = validate(args.data_dir)
        from .context import FILE_NAME, check_against, load_context

        folder = Path(args.data_dir) if args.data_dir else config.DATA_DIR
        ctx = load_context(folder)
        problems = check_against(ctx, ds, folder / FILE_NAME)
        if problems:
            raise DataError(problems)
    except DataError as e:
        print(str(e), file=sys.stderr)
        return 1
    described = f"; {FILE_NAME}: {ctx.title}" if (folder / FILE_NAME).is_file() else f"; no {FILE_NAME} (neutral words)"
    print(f"ok: {len(ds.metrics)} metrics, {len(ds.sources)} sources, {len(ds.claims)} claims{described}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
