"""Nothing a question, a document or a file name says becomes live markup or a file outside corpus/.

Rendering: every function that turns an answer into HTML for the chat window (``export``, and the
handlers of ``assistant.app.handlers``) is fed '<script>', '<img onerror>', attribute breakouts,
comments, Markdown images and line breaks in every field (question, query, answer, issues,
warnings, titles, sections, quotes, passages, file names), by hand and property-based. The HTML
must hold only our own tags and attributes, also after a CommonMark renderer (markdown-it, as the
chat window renders Markdown around HTML) has read it; the Markdown download must render without
raw HTML or images.

Uploads: wrong types, oversized and empty files, names with ``../``, absolute paths, NUL bytes,
very long names (in characters and in UTF-8 bytes), hidden and reserved names, duplicates, a
symlink planted in the corpus: refused with a clear ``InputError`` or stored under a plain name
directly in the corpus folder, and the file system outside it unchanged. Directly through
``assistant.app.uploads``, through ``Handlers.upload``, and (marked ``slow``) through the running
app over HTTP exactly as the browser sends them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from ui_server import ROOT, FakeAssistant, fake_settings, running_app

from assistant.app import export, uploads
from assistant.app.handlers import Handlers, _chat_messages, _user_message
from assistant.errors import InputError
from assistant.types import Answer, Chunk, Citation, DocInfo, Hit, Sentence

if TYPE_CHECKING:
    from collections.abc import Iterator

    from assistant.pipeline import Assistant

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "</div></details></blockquote><script>alert(1)</script>",
    '<a href="javascript:alert(1)">click</a>',
    "<!-- comment --><![CDATA[x]]><?php echo 1 ?>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\r\r![pixel](https://evil.example/p.png) <b>bold</b>",
    "\n\n<iframe src=//evil.example></iframe>",
    "[click](javascript:alert(1)) ![x](https://evil.example/x.png)",
    "`code` ``x`` <style>*{display:none}</style>",
    "\x00<script>\x00alert(1)</script>",
    "\u2028<script>alert(1)</script>\u2029",
]
TAGS = {"div", "span", "sup", "q", "ol", "li", "blockquote", "mark", "details", "summary", "br",
        "table", "thead", "tbody", "tr", "th", "td"}  # fmt: skip
ATTRIBUTES = {"class", "title", "role", "tabindex"}  # none can run code
MARKDOWN_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "em", "strong", "blockquote", "code",
                 "ul", "ol", "li", "br", "hr", "pre", "a"}  # fmt: skip
COMMONMARK = MarkdownIt("commonmark", {"html": True})


class _Markup(HTMLParser):
    """Every start tag with its attributes, and any comment, declaration or instruction."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"declaration {data!r}")


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert_html(html: str) -> None:
    """Only our tags and attributes, no comment or declaration; and a Markdown renderer passes
    it through as one raw HTML block (no part of it became Markdown)."""
    for source in (html, COMMONMARK.render(html)):
        found = markup(source)
        assert not found.other, found.other
        for tag, attrs in found.tags:
            assert tag in TAGS, f"live <{tag}> in {source[:300]!r}"
            for name, _ in attrs:
                assert name in ATTRIBUTES, f"attribute {name}= on <{tag}>"  # none can run code
    assert "\n" not in html and "\r" not in html, "HTML must stay on one line"


def assert_inert_markdown(text: str) -> None:
    """The Markdown, rendered with raw HTML allowed, holds only Markdown's own plain tags."""
    found = markup(COMMONMARK.render(text))
    assert not found.other, found.other
    for tag, attrs in found.tags:
        assert tag in MARKDOWN_TAGS, f"live <{tag}> from the Markdown export"
        for name, value in attrs:
            assert name == "href" and tag == "a", f"attribute {name}= on <{tag}>"
            assert not (value or "").lower().startswith(("javascript:", "data:", "vbscript:"))


# Rendering ----------------------------------------------------------------------------------


def tainted_answer(payload: str) -> Answer:
    """An answer with ``payload`` in every field a question or a document can reach."""
    chunk = Chunk("c1", f"doc{payload}.txt", f"Before {payload} quote {payload} after.",
                  f"§ {payload}", 3, 0, 40)  # fmt: skip
    info = DocInfo(chunk.doc_id, title=f"T {payload}", publisher=f"P {payload}", date=payload)
    hit = Hit(chunk, info, 0.5, 1, 1, 0.9, 2, 3.0)
    citation = Citation(1, chunk.doc_id, info.title, info.publisher, payload, chunk.section, 3,
                        f"quote {payload}", False, "c1", chunk.text)  # fmt: skip
    text = f"Answer {payload} [1]. Second {payload} [2]."
    sentences = (
        Sentence(f"Answer {payload}", (1,), False, (f"issue {payload}",)),
        Sentence(f"missing {payload}", (2,), False, (f"cites [2] {payload}",)),
    )
    return Answer(f"Q {payload}", f"query {payload}", text, False, "openai:x", (citation,),
                  (f"warning {payload}",), {payload: 1.0}, sentences, (hit,))  # fmt: skip


def every_rendering(payload: str) -> list[str]:
    answer = tainted_answer(payload)
    abstained = Answer(payload, payload, f"The documents don't say {payload}", True, "extractive")
    turns = [{"question": payload, "history": [], "answer": answer}]
    return [
        export.answer_html(answer),
        export.answer_html(answer, debug=True),
        export.answer_html(abstained),
        export.streaming_html(f"{payload} [1]"),
        export.error_html(payload),
        export.source_card_html(answer.citations[0], context=5),
        _user_message(payload)["content"],
        *(m["content"] for m in _chat_messages(turns, True)),
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_in_every_html_rendering(payload: str) -> None:
    for html in every_rendering(payload):
        assert_inert_html(html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_in_the_markdown_download(payload: str) -> None:
    answer = tainted_answer(payload)
    assert_inert_markdown(export.conversation_markdown([(payload, answer), ("q", answer)]))


def test_payload_text_is_still_shown_as_text() -> None:
    """Escaped, not dropped: the reader sees what the question or document said."""
    html = export.answer_html(tainted_answer("<script>alert(1)</script>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


SPECIAL = ["<", ">", "&", '"', "'", "`", "\r", "\n", "[1]", "!["]
fragments = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=30), st.sampled_from(SPECIAL))
payloads = st.lists(fragments, max_size=6).map("".join)


@settings(max_examples=200, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads)
def test_any_text_in_any_field_is_inert(payload: str) -> None:
    for html in every_rendering(payload):
        assert_inert_html(html)
    assert_inert_markdown(export.conversation_markdown([(payload, tainted_answer(payload))]))


# Handlers: the chat and the upload status ---------------------------------------------------


@pytest.fixture
def handlers(tmp_path: Path) -> Handlers:
    settings = fake_settings(tmp_path, max_upload_mb=0.05)
    (settings.corpus_dir / "acme.txt").write_text(
        "Acme Cluster Report\n\n"
        + " ".join(f"The Acme cluster says {p} in 2009." for p in PAYLOADS)
    )
    return Handlers(cast("Assistant", FakeAssistant(settings)), settings)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_chat_messages_stay_inert_while_streaming_and_after(
    handlers: Handlers, payload: str
) -> None:
    updates = list(handlers.respond(f"Acme cluster {payload}?", [], "extractive", "", 3, True))
    assert len(updates) > 2
    for update in updates:
        messages = update[1]
        if isinstance(messages, list):
            for message in messages:
                assert_inert_html(message["content"])


def write_named(folder: Path, name: str, data: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_upload_status_stays_inert(handlers: Handlers, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    files = [
        write_named(incoming / "1", "<img src=x onerror=alert(1)>.txt", b"Beta has 4 members."),
        write_named(incoming / "2", "<script>alert(1)<\\script>.exe", b"MZ"),
        write_named(incoming / "3", "'><svg onload=alert(1)>.pdf", b"not a pdf"),
        write_named(incoming / "4", "big.txt", b"x" * 100_000),
    ]
    status, rows, *_ = handlers.upload(files)
    assert_inert_html(status)
    assert status.count("qa-status-error") == 3 and status.count("qa-status-ok") == 1
    assert "<img src=x onerror=alert(1)>.txt" in [row[0] for row in rows]  # a plain name


# Uploads, directly --------------------------------------------------------------------------


def snapshot(root: Path, skip: frozenset[Path] | set[Path] = frozenset()) -> dict[str, str]:
    """Every file and folder under ``root`` (but ``skip``) with a hash of its content."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = [d for d in dirs if here / d not in skip]
        for name in dirs:
            found[str((here / name).relative_to(root)) + "/"] = "dir"
        for name in files:
            path = here / name
            digest = "link" if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(root))] = digest
    return found


@pytest.fixture
def area(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """(root, corpus, source folder): the corpus has one file; a file sits next to it, outside."""
    corpus = tmp_path / "work" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "existing.txt").write_text("The Existing Cluster has 3 members.")
    (tmp_path / "work" / "outside.txt").write_text("must never change")
    yield tmp_path / "work", corpus, tmp_path / "sources"


def upload(area: tuple[Path, Path, Path], name: str, data: bytes, max_mb: float = 1.0) -> Any:
    """Upload ``data`` as ``name``; the InputError or SavedUpload, with the file system checked."""
    root, corpus, sources = area
    source = sources / uuid.uuid4().hex
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(data)
    before = snapshot(root)
    try:
        result: Any = uploads.save_upload(source, name, corpus, max_mb=max_mb)
    except InputError as exc:
        assert len(str(exc)) > 30 and snapshot(root) == before
        return exc
    after = snapshot(root)
    added = set(after) - set(before)
    assert {k: v for k, v in after.items() if k in before} == before, "an existing file changed"
    if result.duplicate_of:
        assert not added
    else:
        assert added == {str(result.path.relative_to(root))}
        assert result.path.parent == corpus and result.path.read_bytes() == data
        assert not result.path.is_symlink()
    return result


REFUSED_NAMES = {
    "wrong type": ("report.exe", "unsupported type"),
    "double suffix": ("report.pdf.exe", "unsupported type"),
    "no suffix": ("README", "unsupported type"),
    "parent": ("../evil.txt", "outside the corpus"),
    "parent deep": ("a/../../etc/evil.txt", "outside the corpus"),
    "windows parent": ("..\\..\\evil.txt", "outside the corpus"),
    "absolute": ("/etc/cron.d/evil.txt", "absolute path"),
    "windows absolute": ("C:\\Windows\\evil.txt", "absolute path"),
    "unc": ("\\\\server\\share\\evil.txt", "absolute path"),
    "nul": ("evil\x00.txt", "control characters"),
    "nul then suffix": ("evil.txt\x00.exe", "control characters"),
    "newline": ("evil\n.txt", "control characters"),
    "bidi override": ("evil\u202etxt.exe", "control characters"),
    "lone surrogate": ("evil\udc80.txt", "control characters"),
    "long": ("x" * 200 + ".txt", "characters long"),
    "long in bytes": ("é" * 140 + ".txt", "bytes"),
    "very long in bytes": ("𝔸" * 100 + ".txt", "bytes"),
    "hidden": (".bashrc.txt", "hidden"),
    "dot": (".", "outside the corpus"),
    "folder": ("reports/", "folder"),
    "catalog": ("catalog.yaml", "catalog"),
    "empty": ("   ", "no file name"),
}


@pytest.mark.parametrize("case", list(REFUSED_NAMES))
def test_dangerous_names_are_refused_and_nothing_is_written(
    area: tuple[Path, Path, Path], case: str
) -> None:
    name, reason = REFUSED_NAMES[case]
    result = upload(area, name, b"The Delta Cluster has 9 members.")
    assert isinstance(result, InputError) and reason in str(result), result


def test_directories_in_a_name_are_dropped(area: tuple[Path, Path, Path]) -> None:
    result = upload(area, "reports/2021/notes.txt", b"The Delta Cluster has 9 members.")
    assert result.path.name == "notes.txt"


def test_oversized_empty_and_mislabelled_files(area: tuple[Path, Path, Path]) -> None:
    too_big = upload(area, "big.txt", b"x" * 2_000_000, max_mb=1)
    assert isinstance(too_big, InputError) and "ASSISTANT_MAX_UPLOAD_MB" in str(too_big)
    assert "empty" in str(upload(area, "empty.txt", b""))
    assert "PDF" in str(upload(area, "fake.pdf", b"MZ\x90\x00 not a pdf"))
    assert "binary" in str(upload(area, "fake.txt", b"\x00\x01\x02" * 100))


def test_duplicate_names_and_duplicate_bytes(area: tuple[Path, Path, Path]) -> None:
    first = upload(area, "notes.txt", b"Version one.")
    second = upload(area, "notes.txt", b"Version two.")
    again = upload(area, "other name.txt", b"Version one.")
    assert (first.path.name, second.path.name) == ("notes.txt", "notes-1.txt")
    assert again.duplicate_of == "notes.txt"
    assert (first.path.read_bytes(), second.path.read_bytes()) == (b"Version one.", b"Version two.")


def test_a_symlink_planted_in_the_corpus_is_never_written_through(
    area: tuple[Path, Path, Path],
) -> None:
    root, corpus, _ = area
    (corpus / "trap.txt").symlink_to(root / "outside.txt")
    result = upload(area, "trap.txt", b"Overwrite attempt.")
    assert isinstance(result, InputError) and "outside" in str(result)
    assert (root / "outside.txt").read_text() == "must never change"


names = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(["..", ".", "/", "\\", "C:", "a", "é", "𝔸", "\x00", " ", "\u202e",
                              "catalog.yaml", ".txt", ".pdf", ".exe", "~", "$HOME", "%2e%2e"]),
             max_size=12).map("".join),
).map(lambda n: n if n.endswith((".txt", ".md")) or len(n) % 3 else n + ".txt")  # fmt: skip


@settings(max_examples=200, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(name=names)
def test_any_name_is_refused_or_stored_plainly_in_the_corpus(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        (work / "corpus").mkdir(parents=True)
        (work / "outside.txt").write_text("must never change")
        result = upload((work, work / "corpus", Path(tmp) / "sources"), name, name.encode("utf-8",
                        "surrogatepass") + b" text")  # fmt: skip
        if not isinstance(result, InputError):
            stored = result.path.name
            assert stored == uploads.safe_name(stored), "the stored name is itself safe"
            assert not stored.startswith(".") and "/" not in stored and "\\" not in stored


# Uploads through the running app, as the browser sends them ---------------------------------


def _upload_event(config: dict[str, Any]) -> tuple[int, int]:
    """(fn_index, trigger id) of the Documents tab's upload event, read from the app's config."""
    component = next(c["id"] for c in config["components"]
                     if c.get("props", {}).get("elem_id") == "upload")  # fmt: skip
    for index, dependency in enumerate(config["dependencies"]):
        if [component, "upload"] in [list(t) for t in dependency["targets"]]:
            return index, component
    raise AssertionError("no upload event in the app config")


def browser_upload(url: str, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """POST the files to /gradio_api/upload, then run the upload event through the queue."""
    import httpx

    api = url.rstrip("/") + "/gradio_api"
    fn_index, trigger = _upload_event(httpx.get(url.rstrip("/") + "/config", timeout=30).json())
    sent = httpx.post(api + "/upload", timeout=60,
                      files=[("files", (n, d, "text/plain")) for n, d in files])  # fmt: skip
    assert sent.status_code == 200, sent.text
    # the upload event takes the files and the upload token
    data = [[{"path": p, "orig_name": n, "meta": {"_type": "gradio.FileData"}}
             for p, (n, _) in zip(sent.json(), files, strict=True)], ""]  # fmt: skip
    session = uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "trigger_id": trigger}
    assert httpx.post(api + "/queue/join", json=body, timeout=30).status_code == 200
    with httpx.stream("GET", api + "/queue/data", params={"session_hash": session},
                      timeout=300) as events:  # fmt: skip
        for line in events.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return cast("dict[str, Any]", message)
    raise AssertionError("the upload event never completed")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    base = tmp_path_factory.mktemp("ui_security")
    if (ROOT / "index" / "manifest.json").exists():  # start from the built index when there is one
        shutil.copytree(ROOT / "index", base / "index")
    (base / "gradio").mkdir()
    with running_app(base, GRADIO_TEMP_DIR=str(base / "gradio")) as url:
        yield url, base


@pytest.mark.slow
def test_uploads_through_the_running_app(app: tuple[str, Path]) -> None:
    url, base = app
    corpus = base / "corpus"
    outside = base.parent
    skip = {base / "gradio", base / "index", corpus}
    before, corpus_before = snapshot(base, skip), set(os.listdir(corpus))
    around = set(os.listdir(outside))
    names = ["../../evil.txt", "/etc/evil-abs.txt", "..\\..\\win.txt", "nul\x00.txt",
             "y" * 300 + ".txt", "<img src=x onerror=alert(1)>.txt", ".hidden.txt",
             "dup.txt", "dup.txt"]  # fmt: skip
    files = [(n, f"The Upload Cluster number {i} has {i + 10} members.".encode())
             for i, n in enumerate(names)]  # fmt: skip
    message = browser_upload(url, files)
    assert message["success"], message
    status = message["output"]["data"][0]
    assert_inert_html(status)
    assert status.count("qa-status-error") == 3, status  # '....win.txt', .hidden, too long
    added = set(os.listdir(corpus)) - corpus_before
    assert added == {"evil.txt", "evil-abs.txt", "nul%00.txt", "img src=x onerror=alert(1).txt",
                     "dup.txt", "dup-1.txt"}, added  # fmt: skip
    assert all((corpus / a).is_file() and not (corpus / a).is_symlink() for a in added)
    assert snapshot(base, skip) | {"ui.log": ""} == before | {"ui.log": ""}
    assert set(os.listdir(outside)) == around, "something was written next to the app folder"
    wrong = browser_upload(url, [("tool.exe", b"MZ"), ("fine.txt", b"Fine text here.")])
    assert not wrong["success"] and "Invalid file type" in json.dumps(wrong)  # Gradio's own check
    assert set(os.listdir(corpus)) - corpus_before == added
