"""The one base of outageradar's user-facing errors.

An :class:`OutageradarError` says what is wrong with the user's input, files, configuration or database in one line;
the command line prints its message as plain text (``error: <message>``) and exits 1, with no traceback. Any other
exception reaching the command line is a bug and is printed with its class name. Each part of the package subclasses
it (``ConfigError``, ``StoreError``, ``BatchFileError`` ...), usually together with the built-in class it used to
derive from, so ``except ValueError`` around them keeps working.

This module imports nothing of the project, so every module can import it.
"""

from __future__ import annotations


class OutageradarError(Exception):
    """An error whose one-line message is meant for the user."""


def one_line(message: object) -> str:
    """The first non-empty line of ``message`` (stripped), or ``""``."""
    for line in str(message).splitlines():
        if line.strip():
            return line.strip()
    return ""
