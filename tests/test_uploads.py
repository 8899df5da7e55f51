"""Uploads land inside corpus/ under a safe, new name, or are refused with a clear message."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.app.uploads import ALLOWED_SUFFIXES, check_type, safe_name, save_upload
from assistant.errors import InputError


def _file(tmp_path: Path, data: bytes | str = "Some text about clusters.\n") -> Path:
    path = tmp_path / "incoming.bin"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", "notes.txt"),
        ("reports/2021/notes.md", "notes.md"),
        ("folder\\sub\\brief.pdf", "brief.pdf"),
        ("  Querétaro clusters.html ", "Querétaro clusters.html"),
    ],
)
def test_safe_name_strips_directories(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/passwd.txt", r"outside the corpus"),
        ("docs/../../x.txt", r"outside the corpus"),
        ("..", r"outside the corpus"),
        ("/etc/passwd.txt", r"absolute path"),
        ("\\\\server\\share\\x.txt", r"absolute path"),
        ("C:\\Windows\\x.txt", r"absolute path"),
        (".bashrc.txt", r"hidden"),
        ("sub/.hidden.md", r"hidden"),
        ("evil\x00.txt", r"control characters"),
        ("line\nbreak.txt", r"control characters"),
        ("rtl\u202etxt.exe", r"control characters"),
        ("", r"no file name"),
        ("folder/", r"names a folder"),
        ("catalog.yaml", r"catalog"),
        ("a" * 300 + ".txt", r"shorten it"),
    ],
)
def test_safe_name_refuses_dangerous_names(name: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        safe_name(name)


@pytest.mark.parametrize("suffix", ALLOWED_SUFFIXES)
def test_allowed_types(suffix: str) -> None:
    assert check_type(f"doc{suffix.upper()}") == suffix


@pytest.mark.parametrize("name", ["tool.exe", "data.docx", "script.py", "README", "x.txt.sh"])
def test_other_types_are_refused_with_the_allowed_list(name: str) -> None:
    with pytest.raises(InputError, match=r"unsupported type.*\.pdf, \.txt"):
        check_type(name)


def test_save_copies_into_corpus(tmp_path: Path, corpus: Path) -> None:
    saved = save_upload(_file(tmp_path), "sub/dir/new.txt", corpus, max_mb=1)
    assert saved.path == corpus.resolve() / "new.txt"
    assert saved.path.read_text() == "Some text about clusters.\n"
    assert not saved.renamed and saved.duplicate_of is None


def test_traversal_writes_nothing_outside(tmp_path: Path, corpus: Path) -> None:
    with pytest.raises(InputError):
        save_upload(_file(tmp_path), "../escaped.txt", corpus, max_mb=1)
    with pytest.raises(InputError):
        save_upload(_file(tmp_path), str(tmp_path / "abs.txt"), corpus, max_mb=1)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "abs.txt").exists()
    assert list(corpus.iterdir()) == []


def test_duplicate_names_get_a_suffix_and_never_overwrite(tmp_path: Path, corpus: Path) -> None:
    (corpus / "brief.txt").write_text("original")
    first = save_upload(_file(tmp_path, "first upload"), "brief.txt", corpus, max_mb=1)
    second = save_upload(_file(tmp_path, "second upload"), "brief.txt", corpus, max_mb=1)
    assert (corpus / "brief.txt").read_text() == "original"
    assert first.path.name == "brief-1.txt" and first.renamed
    assert second.path.name == "brief-2.txt"
    assert first.path.read_text() == "first upload" and second.path.read_text() == "second upload"


def test_concurrent_uploads_of_one_name_all_survive(tmp_path: Path, corpus: Path) -> None:
    sources = []
    for i in range(8):
        (tmp_path / str(i)).mkdir()
        sources.append(_file(tmp_path / str(i), f"text {i}"))
    threads = [
        threading.Thread(target=save_upload, args=(src, "same.md", corpus), kwargs={"max_mb": 1})
        for src in sources
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = sorted(p.read_text() for p in corpus.iterdir())
    assert texts == sorted(f"text {i}" for i in range(8))


def test_identical_bytes_are_not_stored_twice(tmp_path: Path, corpus: Path) -> None:
    (corpus / "old-name.txt").write_text("same bytes")
    saved = save_upload(_file(tmp_path, "same bytes"), "new-name.txt", corpus, max_mb=1)
    assert saved.duplicate_of == "old-name.txt"
    assert sorted(p.name for p in corpus.iterdir()) == ["old-name.txt"]


def test_size_limit_message_names_the_setting(tmp_path: Path, corpus: Path) -> None:
    big = _file(tmp_path, b"x" * (1024 * 1024 + 1))
    with pytest.raises(InputError, match=r"limit is 1 MB.*ASSISTANT_MAX_UPLOAD_MB"):
        save_upload(big, "big.txt", corpus, max_mb=1)
    assert list(corpus.iterdir()) == []


def test_file_at_the_limit_is_accepted(tmp_path: Path, corpus: Path) -> None:
    exact = _file(tmp_path, b"y" * (512 * 1024))
    assert save_upload(exact, "half.txt", corpus, max_mb=0.5).path.stat().st_size == 512 * 1024


def test_empty_file_is_refused(tmp_path: Path, corpus: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        save_upload(_file(tmp_path, b""), "empty.txt", corpus, max_mb=1)


def test_content_must_match_the_suffix(tmp_path: Path, corpus: Path) -> None:
    with pytest.raises(InputError, match="does not look like a PDF"):
        save_upload(_file(tmp_path, "plain text"), "fake.pdf", corpus, max_mb=1)
    with pytest.raises(InputError, match="binary"):
        save_upload(_file(tmp_path, b"\x7fELF\x00\x00\x01"), "prog.txt", corpus, max_mb=1)
    pdf = save_upload(_file(tmp_path, b"%PDF-1.4\n%...\n"), "real.pdf", corpus, max_mb=1)
    assert pdf.path.name == "real.pdf"
