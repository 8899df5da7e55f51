"""Clean loaded text so that only what a reader would want quoted back remains.

Removes web boilerplate (newsletter, contact, download and share prompts, "You May Like", photo
credits, breadcrumbs, bylines), PDF artefacts (running headers and page numbers, footnote blocks and
footnote numbers glued to words, all three done by ``footnotes``; "Erreur ! Signet non défini.",
hyphenation and hard line wraps) and repeated sentences (``repeats``). Line structure that carries
meaning (headings, list items, table cells) is kept as line breaks; the chunker reads it. This
module does not split text into chunks.
"""

from __future__ import annotations

import re
import unicodedata

from ..types import Document
from .footnotes import URL, drop_footnotes, drop_page_headers, page_starts, strip_glued_footnotes
from .repeats import drop_repeats

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKERS = re.compile(r"\s*(Erreur\s*!\s*Signet non d[ée]fini\.?|Error!\s*Bookmark not defined\.?)")
_NUMBERED_HEADING = re.compile(
    r"^\d{1,2}(\.\d{1,2})*\.?$|^\d{1,2}\.\d{1,2}(\.\d{1,2})*\s+\S|^\d{1,2}\.\s+[A-Z]"
)
TABLE_CAPTION = re.compile(r"^TABLE\s+\d+\s*[-–—]\s*\S")

_BOILERPLATE = re.compile(
    r"^(x|•|download now|contact us|recent posts|get a quote|share( it| this)?|story inline post|"
    r"newsletter|subscribe|read more|get the .{0,60} newsletter|sign up (and|to|for)\b.*|"
    r"thinking about .{0,80} download .*|start your .{0,60} today|talk to an? .{0,80}"
    r"(expert|specialist|advisor)\b.*|want to learn more\b.*|podcast:.*|"
    r"(photo|image)( by| credits?)\s*:.*|"
    r"home\s*>.*|(\w+ \w+) \2 (journalist|editor|writer|analyst|reporter)\b.*)$",
    re.I,
)
_TAIL_MARKERS = re.compile(
    r"^(you may like|most popular|start the conversation|recent posts|related (posts|articles))$",
    re.I,
)
_CONNECTOR_END = re.compile(
    r"([,–—&/-]|\b(and|or|of|in|on|for|to|the|a|an|with|by|at|from|as|than|that|which|such|is|are"
    r"|was|were|its|their|into|between|over|under|per|via|including))$",
    re.I,
)

_DISCOURSE_START = re.compile(
    r"^(furthermore|moreover|however|therefore|thus|hence|additionally|in addition|finally|"
    r"nevertheless|for (example|instance)|in (fact|particular|this context)),",
    re.I,
)


def normalise(text: str) -> str:
    """Unicode NFC, one kind of line break and space, no invisible or control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n").replace("\t", " ").replace("\u00a0", " ")
    text = _INVISIBLE.sub("", text)
    return _MARKERS.sub("", _CONTROL.sub("", text))


def _is_numbered(line: str) -> bool:
    return bool(_NUMBERED_HEADING.match(line))


def table_end(lines: list[str], caption: int) -> int:
    """Index after the last line of the table whose caption is at ``caption``."""
    j = caption + 1
    while j < len(lines):
        line = lines[j].strip()
        words = len(line.split())
        if TABLE_CAPTION.match(line) or re.match(r"^\d{1,2}\.\d{1,2}\b", line):
            break
        lowercase_words = sum(1 for w in line.split() if w[:1].islower())
        if URL.search(line) and words <= 3:
            j += 1
            continue
        if len(line) >= 75 or (words >= 6 and lowercase_words >= 3 and line.endswith((".", ":"))):
            break
        j += 1
    while j > caption + 1 and not lines[j - 1].strip():
        j -= 1
    return j


def is_heading(prev: str, line: str, nxt: str) -> bool:
    """An unnumbered heading: a short title-like line between complete sentences."""
    line = line.strip()
    if not (3 <= len(line) <= 110) or len(line.split()) > 12 or not line[0].isupper():
        return False
    if line.endswith((".", ",", ";", ":", "!", "?")) or ". " in line or ": " in line:
        return False
    if line.count("(") != line.count(")") or _CONNECTOR_END.search(line):
        return False
    if "%" in line or line.count(",") > 1 or "€" in line:
        return False
    if URL.search(line) or line.startswith(("FIGURE", "TABLE")) or _is_numbered(line):
        return False
    if _DISCOURSE_START.match(line):  # "Furthermore, the ... an Incentive": a wrapped sentence
        return False
    prev, nxt = prev.strip(), nxt.strip()
    prev_ok = not prev or prev.endswith((".", "!", "?", ":", "”", '"')) or _is_numbered(prev)
    return prev_ok and bool(nxt) and not nxt[0].islower()


def next_nonblank(lines: list[str]) -> list[int]:
    """For each line, the index of the next non-blank line after it (``len(lines)`` if none), in
    one backward pass, so that long files stay linear (a scan ahead from every line was quadratic:
    hours for a 10 MB file)."""
    following, ahead = [0] * len(lines), len(lines)
    for i in range(len(lines) - 1, -1, -1):
        following[i] = ahead
        if lines[i].strip():
            ahead = i
    return following


def _drop_inner_blanks(lines: list[str]) -> list[str]:
    """Drop blank lines left where a page break cut a sentence ("...in the" / "" / "manuf...")."""
    out: list[str] = []
    following = next_nonblank(lines)
    for i, line in enumerate(lines):
        if not line.strip() and out and out[-1].strip() and i + 1 < len(lines):
            nxt = lines[following[i]].strip() if following[i] < len(lines) else ""
            prev = out[-1].strip()
            if nxt[:1].islower() and not prev.endswith((".", "!", "?", ":", ";")):
                continue
        out.append(line)
    return out


def _join_wraps(lines: list[str]) -> list[str]:
    """Join lines broken inside a sentence; keep headings, list items and tables as lines."""
    lines = _drop_inner_blanks(lines)
    widths = sorted(len(line) for line in lines if line.strip())
    wrap = max(50, int(widths[int(len(widths) * 0.9)] * 0.6)) if widths else 50
    out: list[str] = []
    # A line longer than 3 * _KEEP is held as its first and last _KEEP characters (all the tests
    # below look at) with the middle set aside: joining by concatenation was quadratic.
    middle: dict[int, list[str]] = {}
    stripped: list[str] = []
    in_table_until = -1
    physical_prev = ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if TABLE_CAPTION.match(line):
            stripped = stripped or [x.strip() for x in lines]
            in_table_until = table_end(stripped, i)
        if not line or i < in_table_until or not out or not out[-1]:
            out.append(line)
            physical_prev = line
            continue
        prev = out[-1]
        before = out[-2] if len(out) > 1 else ""
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        heading_prev = (
            is_heading(before, physical_prev, line)
            or _is_numbered(physical_prev)
            or prev.startswith(("FIGURE", "TABLE"))
        )
        if prev.endswith("-") and prev[-2:-1].isalpha() and not _is_numbered(line):
            out[-1] = prev[:-1] + line if line[0].islower() else prev + line
            _set_aside(out, middle)
        elif (
            _is_numbered(line)
            or line.startswith(("Q:", "A:", "•", "TABLE", "FIGURE"))
            or (prev.endswith((".", "!", "?", ":", ";")) and not line[0].islower())
        ):
            out.append(line)
        elif (
            line[0].islower()
            or _CONNECTOR_END.search(prev[-40:])  # a connector word is never 40 characters
            or (len(physical_prev) >= wrap and not heading_prev and not is_heading(prev, line, nxt))
        ):
            out[-1] = f"{prev} {line}"
            _set_aside(out, middle)
        else:
            out.append(line)
        physical_prev = line
    for i, parts in middle.items():
        out[i] = out[i][:_KEEP] + "".join(parts) + out[i][_KEEP:]
    return out


_KEEP = 200


def _set_aside(out: list[str], middle: dict[int, list[str]]) -> None:
    """Keep the last line short: move what lies between its first and last _KEEP characters to
    ``middle`` (in order), so every join costs O(_KEEP) however long the paragraph grows."""
    line = out[-1]
    if len(line) > 3 * _KEEP:
        middle.setdefault(len(out) - 1, []).append(line[_KEEP:-_KEEP])
        out[-1] = line[:_KEEP] + line[-_KEEP:]


def clean_text(text: str) -> str:
    """The cleaned form of one document's (or one PDF page's) text."""
    lines = normalise(text).split("\n")
    lines, breaks = drop_page_headers(lines)
    lines, blocks = drop_footnotes(lines, page_starts(lines, breaks))
    kept: list[str] = []
    for line in lines:
        stripped = re.sub(r" {2,}", " ", line.strip())
        if _TAIL_MARKERS.match(stripped) and len(kept) > 5:
            break
        if not _BOILERPLATE.match(stripped):
            kept.append(stripped)
    text = "\n".join(kept)
    if blocks >= 2:
        text = re.sub(r"(?<!\.)\.\.(?!\.)", ".", strip_glued_footnotes(text))
    lines = drop_repeats(_join_wraps(text.split("\n")))
    text = "\n".join(lines)
    text = re.sub(r"[ ]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_document(doc: Document) -> Document:
    return Document(doc.doc_id, clean_text(doc.text), doc.page, doc.source_path)
