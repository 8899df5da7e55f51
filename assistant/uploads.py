"""Accept a user's uploaded file into the corpus folder, safely.

Job: turn an untrusted file name into a safe plain name inside ``corpus_dir`` (directories stripped;
``..``, absolute paths, hidden names and control characters rejected), check the type and the size,
and copy the bytes there without ever overwriting a file (a taken name gets ``-1``, ``-2``, ...).
Byte-identical re-uploads are recognised and not stored twice.

Not its job: reading or indexing the file (the pipeline does that, and skips a file it cannot load),
or showing messages (the UI does). Every refusal is an ``InputError`` whose message says what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

ALLOWED_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")
MAX_NAME_CHARS = 150
MAX_NAME_BYTES = 240  # file systems allow 255 bytes of UTF-8; leave room for a "-999" suffix
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
# control, zero-width and bidi characters, and lone surrogates (not valid Unicode text)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_RESERVED = frozenset({"catalog.yaml", "catalog.yml", "catalog.json"})
_MAX_SUFFIX_TRIES = 1000


@dataclass(frozen=True)
class SavedUpload:
    """Where an upload went: ``path`` in the corpus, and what happened to its name."""

    path: Path
    requested_name: str
    duplicate_of: str | None = None  # set when identical bytes were already in the corpus

    @property
    def renamed(self) -> bool:
        return self.duplicate_of is None and self.path.name != self.requested_name


def safe_name(name: str) -> str:
    """The plain file name to store ``name`` under, or ``InputError`` saying why it is refused.

    >>> safe_name("reports/cluster notes.txt")
    'cluster notes.txt'
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError("The upload has no file name; give the file a name such as notes.txt.")
    name = unicodedata.normalize("NFC", name.strip())
    if _CONTROL.search(name):
        raise InputError(
            f"The file name {name!r} contains control characters; rename it to plain text."
        )
    if name.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(name):
        raise InputError(f"The file name {name!r} is an absolute path; upload the file by name.")
    parts = re.split(r"[\\/]+", name)
    if any(part in ("..", ".") for part in parts):
        raise InputError(f"The file name {name!r} points outside the corpus ('..'); rename it.")
    base = parts[-1].strip()
    if not base:
        raise InputError(f"The file name {name!r} names a folder, not a file.")
    if base.startswith("."):
        raise InputError(f"The file name {base!r} is hidden (starts with '.'); rename it.")
    if _WINDOWS_DRIVE.match(base):  # "reports/C:x.txt": stored as "C:x.txt", a drive path again
        raise InputError(f"The file name {base!r} starts with a drive letter; rename it.")
    if len(base) > MAX_NAME_CHARS or len(base.encode("utf-8")) > MAX_NAME_BYTES:
        raise InputError(
            f"The file name {base[:40]!r}... is {len(base)} characters long "
            f"({len(base.encode('utf-8'))} bytes); shorten it to at most {MAX_NAME_CHARS} "
            f"characters and {MAX_NAME_BYTES} bytes."
        )
    if base.casefold() in _RESERVED:
        raise InputError(f"{base!r} is the corpus catalog's name; rename the file.")
    return base


def check_type(name: str) -> str:
    """The lower-case suffix of ``name`` if it is a type the corpus loads, else ``InputError``."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        allowed = ", ".join(ALLOWED_SUFFIXES)
        shown = suffix or "no suffix"
        raise InputError(f"{name!r} has an unsupported type ({shown}); upload one of: {allowed}.")
    return suffix


def check_size(size_bytes: int, name: str, max_mb: float) -> None:
    """``InputError`` when the file is empty or larger than ``max_mb`` megabytes."""
    if size_bytes == 0:
        raise InputError(f"{name!r} is empty; upload a file with text in it.")
    limit = int(max_mb * 1024 * 1024)
    if size_bytes > limit:
        mb = size_bytes / 2**20
        size = f"{mb:.1f} MB" if mb >= 1 else f"{size_bytes / 1024:.0f} KB"
        raise InputError(
            f"{name!r} is {size}; the limit is {max_mb:g} MB "
            "(setting ASSISTANT_MAX_UPLOAD_MB). Split the file or raise the limit."
        )


def _check_content(data: bytes, name: str, suffix: str) -> None:
    if suffix == ".pdf" and not data.lstrip()[:5].startswith(b"%PDF-"):
        raise InputError(
            f"{name!r} does not look like a PDF (no %PDF- header); is the suffix right?"
        )
    if suffix != ".pdf" and b"\x00" in data[:8192]:
        raise InputError(f"{name!r} is binary, not text; is the suffix right?")


def _same_bytes(corpus_dir: Path, data: bytes) -> str | None:
    digest = hashlib.sha256(data).digest()
    for existing in corpus_dir.iterdir():
        same_size = existing.is_file() and existing.stat().st_size == len(data)
        if same_size and hashlib.sha256(existing.read_bytes()).digest() == digest:
            return existing.name
    return None


def _candidates(base: str) -> list[str]:
    stem, suffix = Path(base).stem, Path(base).suffix
    return [base] + [f"{stem}-{i}{suffix}" for i in range(1, _MAX_SUFFIX_TRIES)]


def _write_new(corpus_dir: Path, base: str, data: bytes) -> Path:
    """Create a file that does not exist yet (O_EXCL: never overwrites, even under a race)."""
    root = corpus_dir.resolve()
    for candidate in _candidates(base):
        target = root / candidate
        if target.resolve().parent != root:  # belt and braces after safe_name
            raise InputError(f"{base!r} would be stored outside {root}; rename it.")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target
    raise InputError(f"Too many files named like {base!r} in {root}; rename the upload.")


def save_upload(source: Path, name: str, corpus_dir: Path, *, max_mb: float) -> SavedUpload:
    """Validate the uploaded file ``source`` (sent as ``name``) and copy it into ``corpus_dir``."""
    base = safe_name(name)
    suffix = check_type(base)
    source = Path(source)
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise InputError(
            f"The upload {base!r} could not be read ({exc}); upload it again."
        ) from exc
    check_size(size, base, max_mb)
    data = source.read_bytes()
    _check_content(data, base, suffix)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    duplicate = _same_bytes(corpus_dir, data)
    if duplicate is not None:
        return SavedUpload(path=corpus_dir / duplicate, requested_name=base, duplicate_of=duplicate)
    return SavedUpload(path=_write_new(corpus_dir, base, data), requested_name=base)
