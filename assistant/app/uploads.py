"""Accept a user's uploaded file into the corpus folder, safely.

Job: turn an untrusted file name into a safe plain name inside ``corpus_dir`` (directories stripped;
``..``, absolute paths, hidden names and control characters rejected), check the type and the size,
and copy the bytes there without ever overwriting a file (a taken name gets ``-1``, ``-2``, ...).
Byte-identical re-uploads are recognised and not stored twice.

``move_to_trash`` takes a document out of the corpus into the trash folder (never deleting it),
``put_back`` undoes that, ``replace_file`` stores a new version under the old name; ``access``
says whether this app may change the corpus at all: on loopback always, on any other host only
when enabled in the settings, and then with the upload token.

Not its job: reading or indexing the file (the pipeline does that, and skips a file it cannot load),
or showing messages (the UI does). Every refusal is an ``InputError`` whose message says what to do.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

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


def read_upload(source: Path, base: str, *, max_mb: float) -> bytes:
    """The bytes of the uploaded file ``source`` (to be stored as ``base``), once its type, size
    and content pass; ``InputError`` saying what to change otherwise."""
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
    return data


def save_upload(source: Path, name: str, corpus_dir: Path, *, max_mb: float) -> SavedUpload:
    """Validate the uploaded file ``source`` (sent as ``name``) and copy it into ``corpus_dir``."""
    base = safe_name(name)
    data = read_upload(source, base, max_mb=max_mb)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    duplicate = _same_bytes(corpus_dir, data)
    if duplicate is not None:
        return SavedUpload(path=corpus_dir / duplicate, requested_name=base, duplicate_of=duplicate)
    return SavedUpload(path=_write_new(corpus_dir, base, data), requested_name=base)


# Changing the corpus: who may, and moving documents out and back --------------------------------


@dataclass(frozen=True)
class Access:
    """Whether this app may change the corpus, whether it asks for the token, and why not."""

    allowed: bool
    needs_token: bool = False
    reason: str = ""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine ("127.0.0.1", "localhost")."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def access(host: str, remote_uploads: bool, token: str) -> Access:
    """Uploads and deletes: open on loopback; elsewhere off unless enabled, then behind a token."""
    if is_loopback(host):
        return Access(allowed=True)
    if not remote_uploads:
        return Access(
            allowed=False,
            reason=f"Uploads and deletes are off: this app listens on {host}, not only on this "
            "machine. To allow them, set ASSISTANT_REMOTE_UPLOADS=1 and ASSISTANT_UPLOAD_TOKEN "
            "(a long random secret) on the server and restart it.",
        )
    if len(token) < 8:
        return Access(
            allowed=False,
            reason="Uploads and deletes are off: ASSISTANT_REMOTE_UPLOADS=1 needs "
            "ASSISTANT_UPLOAD_TOKEN set to a secret of at least 8 characters; set it on the "
            "server and restart it.",
        )
    return Access(allowed=True, needs_token=True)


def check_token(rule: Access, expected: str, given: str | None) -> None:
    """``InputError`` unless ``rule`` allows changing the corpus with the token ``given``."""
    if not rule.allowed:
        raise InputError(rule.reason)
    if rule.needs_token and not hmac.compare_digest((given or "").encode(), expected.encode()):
        raise InputError(
            "Wrong or missing upload token: type the token the server's ASSISTANT_UPLOAD_TOKEN "
            "is set to in the 'Upload token' box."
        )


def document_path(corpus_dir: Path, doc_id: str) -> Path:
    """The file of the document ``doc_id``, directly in ``corpus_dir``, or ``InputError``."""
    root = corpus_dir.resolve()
    path = root / safe_name(doc_id)
    if path.name != doc_id or path.is_symlink() or not path.is_file():
        raise InputError(f"{doc_id!r} is not a document in {root}; pick one from the list.")
    return path


def move_to_trash(corpus_dir: Path, doc_id: str, trash_dir: Path) -> Path:
    """Move the document out of the corpus into ``trash_dir`` (a stamped name, never over
    another file); return where it went."""
    path = document_path(corpus_dir, doc_id)
    trash_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for candidate in _candidates(f"{stamp}-{path.name}"):
        target = trash_dir / candidate
        if not target.exists():
            shutil.move(str(path), str(target))
            return target
    raise InputError(f"Too many files named like {path.name!r} in {trash_dir}; empty the trash.")


def put_back(trashed: Path, corpus_dir: Path, doc_id: str) -> None:
    """Undo ``move_to_trash``: the trashed file returns under its name (nothing overwritten)."""
    target = corpus_dir / safe_name(doc_id)
    if target.exists():
        raise InputError(f"{target} exists again; the old version stays in {trashed}.")
    shutil.move(str(trashed), str(target))


def replace_file(source: Path, corpus_dir: Path, doc_id: str, *, max_mb: float) -> bytes:
    """Check that ``source`` may replace ``doc_id`` (the same type, a valid upload) and return
    its bytes; the caller trashes the old file and writes these under the same name."""
    old = document_path(corpus_dir, doc_id)
    new_suffix = Path(str(source)).suffix.lower()
    if new_suffix and new_suffix != old.suffix.lower():
        raise InputError(
            f"{doc_id} is a {old.suffix} file; replace it with a {old.suffix} file, or upload "
            "the new file as a document of its own and delete this one."
        )
    return read_upload(source, old.name, max_mb=max_mb)


def write_new(corpus_dir: Path, name: str, data: bytes) -> Path:
    """Store ``data`` as ``name`` in the corpus; ``InputError`` if the name is taken."""
    target = _write_new(corpus_dir, safe_name(name), data)
    if target.name != name:
        target.unlink(missing_ok=True)
        raise InputError(f"{name} is in the corpus again; reload the page and try once more.")
    return target
