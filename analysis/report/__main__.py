"""``python -m analysis.report``: see the package docstring."""

import sys

# Startup: nbformat (papermill, nbclient, nbconvert all import it) imports jsonschema, whose
# format checkers import rfc3987_syntax when it is installed, and that builds a parser grammar
# at import: about 0.7 s of the runner's start, before the first kernel can start. Only the
# "iri" string formats use it, and nothing the runner validates asks for format checks
# (nbformat validates notebooks without them), so this process goes without it; jsonschema
# leaves those two formats unchecked when the import fails. The kernels are other processes.
sys.modules.setdefault("rfc3987_syntax", None)

from .cli import main  # noqa: E402 - after the line above

sys.exit(main())
