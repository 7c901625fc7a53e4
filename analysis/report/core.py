"""What every part of the runner shares: names of the report's files, a run, the errors, small helpers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import config
from ..text import did_you_mean as text_did_you_mean

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_LOCKED = 0, 1, 2, 3
EXIT_UNWRITABLE = 4  # the figures folder (or the folder it is in) cannot be written: read-only, no permission
EXIT_NO_SPACE = 5  # the disk (or quota) holding the figures folder is full

MANIFEST = "manifest.json"
INDEX = "index.html"
FAILED_DIR = ".failed"
LOCK = ".lock"
MANIFEST_FORMAT = 1


class LockBusy(Exception):
    """Another invocation holds the report lock."""


class ReportError(Exception):
    """The run list or a run's parameters are wrong; ``problems`` holds one line each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclasses.dataclass(frozen=True)
class Run:
    name: str
    notebook: Path  # absolute
    notebook_ref: str  # as written in the run list
    parameters: dict[str, Any]
    description: str = ""
    where: str = ""  # "report.yaml:12: run 'x'" for messages
    findings: bool = False  # this run's data and check parameters give findings.json and "what changed"

    @property
    def cwd(self) -> Path:
        return self.notebook.parent


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for run-list messages, or ``""``: `analysis.text.did_you_mean`."""
    hint = text_did_you_mean(word, choices, n=1, quote=True)
    return f" ({hint})" if hint else ""


def display_path(path: Path) -> str:
    """Path relative to the repo root when inside it (stable across checkouts), else absolute."""
    path = Path(path)
    try:
        return path.resolve().relative_to(config.ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
