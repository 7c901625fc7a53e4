"""Untrusted text (a cell, a column name, a run-list value) as it may appear in a message:
control and other invisible characters written as escapes, and bounded in length, so a
message can neither drive the terminal (ESC, BEL) nor run to gigabytes."""

from __future__ import annotations

import unicodedata

LIMIT = 80  # characters of untrusted text shown in one message


def _escape(ch: str) -> str:
    if unicodedata.category(ch)[0] in "CZ" and ch != " ":  # controls, format, unassigned, separators
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return ch


def shown(value: object, limit: int = LIMIT) -> str:
    """``value`` as text safe to print: escapes for control characters, cut after ``limit``
    characters with the full length said (``'abc...' (1048576 characters)``)."""
    text = value if isinstance(value, str) else str(value)
    cut = text[:limit]
    out = "".join(_escape(ch) for ch in cut)
    return out if len(text) <= limit else f"{out}... ({len(text)} characters)"
