"""Errors that end a freshrun command with a clear message and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_NODE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_VIOLATED = 3
EXIT_LOCKED = 4
EXIT_INTERRUPTED = 130


class FreshrunError(Exception):
    """A problem the user can fix; `exit_code` says which kind."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(FreshrunError):
    """Bad input or configuration (exit 2)."""


class LockedError(FreshrunError):
    """Another process holds the warehouse (exit 4)."""

    exit_code = EXIT_LOCKED
