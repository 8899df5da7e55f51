"""The error family of the assistant. Every message says what failed, where, and what to do.

    AssistantError
    ├── ConfigError            a setting has a bad value
    ├── LoadError              one file could not be read (the build skips it and goes on)
    │   └── UnsupportedFileError   the suffix has no loader
    ├── IndexError_            the index on disk is missing, corrupt or built differently
    │   ├── IndexMissingError
    │   ├── IndexMismatchError
    │   └── StoreUnavailableError  the Milvus server or Lite file cannot be reached or opened
    ├── BackendError           an answer backend (LLM) failed or is unreachable
    └── InputError             a question, history or upload that cannot be used

The library raises and logs; only the edges (cli, ui) print, exit or show a warning.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Root of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting has a value the assistant cannot use."""


class LoadError(AssistantError):
    """A file could not be loaded; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFileError(LoadError):
    """The file's suffix has no loader."""


class IndexError_(AssistantError):
    """The index on disk cannot be used."""


class IndexMissingError(IndexError_):
    """There is no index yet."""


class IndexMismatchError(IndexError_):
    """The index is corrupt, from another version, or built with other settings."""


class StoreUnavailableError(IndexError_):
    """The vector store (Milvus) is unreachable, refused us, or is held by another process."""


class BackendError(AssistantError):
    """An answer backend failed; callers fall back to the extractive answer."""


class InputError(AssistantError):
    """A question, a history or an upload that cannot be used as given."""
