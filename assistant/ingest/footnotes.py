"""Footnotes in PDF text, and the page furniture that tells where they begin.

Drops page numbers ("p.14", "page 3 of 20") and the running header printed next to them, footnote
blocks (from a footnote number that continues the sequence and is followed by a reference with a
URL, to the end of the page) and footnote numbers glued to words ("Label68" -> "Label"). Used by
``clean``; pure functions over lines of text. This module does not join wrapped lines or remove
web boilerplate (see ``clean``).
"""

from __future__ import annotations

import re

_PAGE_NUMBER = re.compile(
    r"^\s*(p\.\s?\d{1,4}|page\s+\d{1,4}(\s+of\s+\d{1,4})?|\d{1,4}\s+of\s+\d{1,4})\s*$", re.I
)
# A link or a linked document ("report.pdf"); ``clean`` also uses it for headings and tables.
URL = re.compile(r"(https?://|www\.)\S+|\S+\.(pdf|html?|php|aspx?)\b", re.I)
_FOOTNOTE_START = re.compile(r"^(\d{1,3})(?!\d)(?:\s*(\S.*))?$")


def drop_page_headers(lines: list[str]) -> tuple[list[str], set[int]]:
    """Remove page numbers ("p.14") and the running header printed next to them.

    Returns the kept lines and the indices (into the kept lines) where a new page begins."""
    numbered = [i for i, line in enumerate(lines) if _PAGE_NUMBER.match(line)]
    near: dict[str, int] = {}
    for i in numbered:
        for j in range(max(0, i - 3), min(len(lines), i + 4)):
            key = lines[j].strip()
            if key and j != i and len(key) <= 80:
                near[key] = near.get(key, 0) + 1
    headers = {key for key, count in near.items() if count >= 2 and not _FOOTNOTE_START.match(key)}
    kept: list[str] = []
    breaks: set[int] = set()
    for i, line in enumerate(lines):
        if i in numbered or (line.strip() in headers):
            breaks.add(len(kept))
            continue
        kept.append(line)
    return kept, breaks


def page_starts(lines: list[str], breaks: set[int]) -> set[int]:
    """PDF text extraction starts each page with one space; those lines and header breaks."""
    starts = set(breaks)
    starts.update(i for i, line in enumerate(lines) if re.match(r"^ \S", line))
    return starts


def drop_footnotes(lines: list[str], starts: set[int]) -> tuple[list[str], int]:
    """Remove footnote blocks: from a footnote number that is next in sequence and followed by a
    reference with a URL, to the end of the page. Also pages that open with a reference line."""
    keep = [True] * len(lines)
    last, blocks, i = 0, 0, 0
    while i < len(lines):
        line = lines[i].strip()
        match = _FOOTNOTE_START.match(line)
        begins = False
        if match and last < int(match.group(1)) <= last + 15:
            window = [lines[j] for j in range(i, min(len(lines), i + 6)) if lines[j].strip()][:4]
            begins = any(URL.search(w) or "ibidem" in w.lower() for w in window)
        elif i in starts and URL.search(line):
            begins = True
        if not begins:
            i += 1
            continue
        blocks += 1
        j = i
        while j < len(lines) and (j == i or j not in starts):
            keep[j] = False
            number = _FOOTNOTE_START.match(lines[j].strip())
            if number and last < int(number.group(1)) <= last + 15:
                last = int(number.group(1))
            j += 1
        i = j
    return [line for line, k in zip(lines, keep, strict=True) if k], blocks


_GLUED = re.compile(
    r"(?:(?<=[^\W\d_])|(?<=[)’”\"%])|(?<=[^\W\d_][.]))(\d{1,3}(?:,\s?\d{1,3})*)(?=[\s.,;:)]|$)|(?<=\b(?:19|20)\d\d)(\d{1,3})(?=[.,;:\s]|$)"
)


def strip_glued_footnotes(text: str) -> str:
    """ "Label68" -> "Label", "2015 18." -> "2015.": numbers glued to a word that continue the
    footnote sequence. Only called for documents that had footnote blocks."""
    used: set[int] = set()
    last = 0

    def repl(match: re.Match[str]) -> str:
        nonlocal last
        group = match.group(1) or match.group(2)
        numbers = [int(n) for n in re.split(r",\s?", group)]
        if all(n not in used and n >= 1 and abs(n - last) <= 8 for n in numbers):
            used.update(numbers)
            last = max(last, *numbers)
            return ""
        # "G206": the footnote may be only the last digits of the glued number
        digits = group.replace(",", "").replace(" ", "")
        for cut in range(1, len(digits)):
            tail = digits[cut:]
            if not tail.startswith("0") and int(tail) not in used and 1 <= int(tail) - last <= 8:
                used.add(int(tail))
                last = int(tail)
                return digits[:cut]
        return group

    return _GLUED.sub(repl, text)
