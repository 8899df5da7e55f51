"""Conversational Q&A over documents about Mexico's industrial and IT clusters, with citations.

The public API is small: ``Assistant`` (load, ask, stream, retrieve, index, documents), the answer
types, the settings object and the error family. Everything else is internal.
"""

from .config import Settings
from .errors import (
    AssistantError,
    BackendError,
    ConfigError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    LoadError,
)
from .pipeline import Assistant, IndexReport
from .types import Answer, Chunk, Citation, DocInfo, Document, Hit, Sentence, Turn

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "BackendError",
    "Chunk",
    "Citation",
    "ConfigError",
    "DocInfo",
    "Document",
    "Hit",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexReport",
    "InputError",
    "LoadError",
    "Sentence",
    "Settings",
    "Turn",
]
