"""Render answers for people: safe HTML for the chat window, Markdown for the conversation download.

Job: turn ``Answer`` objects into text a person reads: numbered source cards with the quote
highlighted inside its passage (a refusal's closest passages shown as pointers, nothing
highlighted: they are no evidence), markers [n] and "Open document" that ``page.JS`` makes
clickable, a mark on unverified sentences, abstentions and warnings that look different from
answers, the debug table of retrieval ranks and timings, and a Markdown transcript. The look is
``page.CSS``.
Every piece of text that comes from a question, an answer or a document is escaped with
``html.escape`` before it enters HTML; the HTML is emitted on one line so a Markdown renderer treats
it as one raw block and never interprets document text as Markdown.

Not its job: retrieval, answering or verification (the pipeline's), or Gradio (``ui.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from ..types import Answer, Citation, Hit, Sentence

POINTERS_LABEL = "Closest passages (they do not answer the question)"
_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(text: object) -> str:
    """HTML-escape any text (quotes too) and keep its line breaks, on one output line.

    A lone "\r" is a line break too: left in, two of them would end the HTML block for a Markdown
    renderer (the chat window's) and turn the rest of the text into live Markdown."""
    text = escape(str(text), quote=True).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "<br>")


def _text_html(text: str) -> str:
    """Escaped answer text with its [n] markers styled as citation references."""
    return _MARKER.sub(
        r'<sup class="qa-ref qa-n-\1" role="button" tabindex="0" title="Show source \1">'
        r"[\1]</sup>",
        esc(text),
    )


def _sentence_flag(sentence: Sentence) -> str:
    issues = "; ".join(sentence.issues) or "not supported by the cited source"
    return f'<span class="qa-flag" title="{esc(issues)}">⚠ unverified: {esc(issues)}</span>'


def answer_text_html(answer: Answer) -> str:
    """The answer text, each unverified sentence wrapped and followed by its issues."""
    text = answer.answer
    parts: list[str] = []
    cursor = 0
    missing: list[Sentence] = []
    for sentence in answer.sentences:
        if sentence.verified:
            continue
        found = text.find(sentence.text, cursor) if sentence.text else -1
        if found < 0:
            missing.append(sentence)
            continue
        end = found + len(sentence.text)
        parts.append(_text_html(text[cursor:found]))
        parts.append(
            f'<span class="qa-unverified">{_text_html(sentence.text)}</span> '
            + _sentence_flag(sentence)
        )
        cursor = end
    parts.append(_text_html(text[cursor:]))
    for sentence in missing:  # verification saw a sentence we cannot locate: still show it
        parts.append(
            f'<br><span class="qa-unverified">{_text_html(sentence.text)}</span> '
            + _sentence_flag(sentence)
        )
    return "".join(parts)


def _locate(passage: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` sits in ``passage``, also when they differ only in whitespace."""
    if not quote or not passage:
        return None
    start = passage.find(quote)
    if start >= 0:
        return start, start + len(quote)
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.search(pattern, passage) if pattern else None
    return match.span() if match else None


def _trim(text: str, limit: int, *, left: bool) -> str:
    """At most ``limit`` characters of ``text`` next to the quote, cut at a space."""
    if len(text) <= limit:
        return text
    if left:
        cut = text[-limit:]
        return "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    cut = text[:limit]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


def highlight(passage: str, quote: str, context: int | None = None) -> str:
    """The passage, escaped, with the quote wrapped in <mark>; ``context`` chars around it."""
    span = _locate(passage, quote)
    if span is None:
        shown = _trim(passage, context, left=False) if context else passage
        return f"<mark>{esc(quote)}</mark>" + (f"<br>…<br>{esc(shown)}" if shown else "")
    before, inside, after = passage[: span[0]], passage[span[0] : span[1]], passage[span[1] :]
    if context:
        before, after = _trim(before, context, left=True), _trim(after, context, left=False)
    return esc(before) + f"<mark>{esc(inside)}</mark>" + esc(after)


def citation_meta(citation: Citation) -> list[str]:
    """Publisher, date, section and page of a citation, the parts that are known."""
    parts = [citation.publisher, citation.date]
    if citation.section:
        parts.append(f"§ {citation.section}")
    if citation.page is not None:
        parts.append(f"p. {citation.page}")
    return [p for p in parts if p]


def source_card_html(citation: Citation, *, context: int = 160, evidence: bool = True) -> str:
    """One numbered source card: title, metadata, "Open document", and the quote highlighted in
    its passage; with ``evidence=False`` (a refusal's closest passage) the passage is shown
    plainly, pointing at where to look rather than proving anything."""
    meta = " · ".join(esc(p) for p in citation_meta(citation))
    check = "" if citation.verified or not evidence else (
        ' <span class="qa-flag">⚠ quote not verified</span>')  # fmt: skip
    # classes, not data-*: the chat window's sanitiser keeps only classes, titles and roles
    page = "" if citation.page is None else f" qa-page-{citation.page}"
    opener = (
        '<span class="qa-open" role="button" tabindex="0" '
        'title="Open the whole document at this passage, with the original file">'
        "Open document</span>"
    )
    if evidence:
        excerpt = highlight(citation.passage, citation.quote, context)
    else:
        span = _locate(citation.passage, citation.quote) or (0, 0)
        excerpt = esc(_trim(citation.passage[span[0] :] or citation.quote, 2 * context, left=False))
    whole = ""
    if evidence and len(citation.passage) > len(citation.quote) + 2 * context:
        whole = (
            '<details class="qa-whole"><summary>Whole passage</summary><div class="qa-passage">'
            f"{highlight(citation.passage, citation.quote)}</div></details>"
        )
    kind = "qa-source" if evidence else "qa-source qa-pointer"
    return (
        f'<li class="{kind} qa-n-{citation.n}{page}">'
        f'<span class="qa-source-n">[{citation.n}]</span> '
        f'<span class="qa-source-title">{esc(citation.title or citation.doc)}</span>{check}'
        f'<div class="qa-source-meta">{meta} · <span class="qa-source-doc">{esc(citation.doc)}'
        f"</span>{opener}</div>"
        f'<blockquote class="qa-passage">{excerpt}</blockquote>{whole}</li>'
    )


def debug_html(hits: Iterable[Hit], timings_ms: dict[str, float], cited: set[str]) -> str:
    """Per-hit fused rank and score, BM25 rank, dense rank; then the stage timings."""

    def cell(value: object) -> str:
        return "–" if value is None else esc(value)

    rows = "".join(
        f"<tr{' class=qa-cited' if h.chunk.id in cited else ''}><td>{h.rank}</td>"
        f"<td>{h.score:.4f}</td><td>{cell(h.bm25_rank)}</td><td>{cell(h.dense_rank)}</td>"
        f"<td>{esc(h.doc.title or h.doc.doc_id)}</td><td>{esc(h.chunk.section)}</td></tr>"
        for h in hits
    )
    timings = " · ".join(f"{esc(k)} {v:.1f} ms" for k, v in timings_ms.items()) or "no timings"
    return (
        '<details class="qa-debug"><summary>Debug: retrieval and timings</summary>'
        "<table><thead><tr><th>rank</th><th>fused score</th><th>BM25 rank</th>"
        "<th>dense rank</th><th>document</th><th>section</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f'<div class="qa-timings">{timings}</div></details>'
    )


def answer_html(answer: Answer, *, debug: bool = False) -> str:
    """The whole chat message for an answer, as one line of HTML."""
    kind = "qa-abstained" if answer.abstained else "qa-answered"
    out = [f'<div class="qa-answer {kind}">']
    if answer.abstained:
        out.append('<div class="qa-badge">No answer in the documents</div>')
    for warning in answer.warnings:
        out.append(f'<div class="qa-warning" role="status">⚠ {esc(warning)}</div>')
    if answer.query and answer.query.strip() != answer.question.strip():
        out.append(f'<div class="qa-query">Searched for: <q>{esc(answer.query)}</q></div>')
    out.append(f'<div class="qa-text">{answer_text_html(answer)}</div>')
    if answer.citations:
        evidence = not answer.abstained
        cards = "".join(source_card_html(c, evidence=evidence) for c in answer.citations)
        label = "Sources" if evidence else POINTERS_LABEL
        out.append(
            f'<div class="qa-sources-label">{label}</div><ol class="qa-sources">{cards}</ol>'
        )
    if debug:
        cited = {c.chunk_id for c in answer.citations}
        out.append(debug_html(answer.hits, answer.timings_ms, cited))
    out.append("</div>")
    return "".join(out)


def streaming_html(text: str) -> str:
    """The partial answer while it is being produced."""
    return (
        f'<div class="qa-answer qa-streaming"><div class="qa-text">{_text_html(text)} …</div></div>'
    )


def error_html(message: str) -> str:
    """A failure shown in the chat instead of an answer."""
    return f'<div class="qa-answer qa-error"><div class="qa-warning">⚠ {esc(message)}</div></div>'


# Markdown -------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Neutralise raw HTML in Markdown text (a '<' cannot open a tag), images (a document's
    '![x](https://...)' would be fetched by whoever opens the file) and code spans (a stray
    backtick could pair with the one around a file name and expose the name's raw text)."""
    text = text.replace("\\", "\\\\").replace("`", "\\`")
    return text.replace("<", "&lt;").replace("![", "!\\[")


def _md_code(text: str) -> str:
    """``text`` as one Markdown code span that no backtick or blank line inside it can end."""
    text = " ".join(text.splitlines())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _md_quote(text: str) -> str:
    return "\n".join("> " + line for line in _md(text).splitlines() or [""])


def answer_markdown(question: str, answer: Answer, number: int) -> str:
    """One question and its answer, with citations, as Markdown."""
    lines = [f"## {number}. {_md(question)}", ""]
    if answer.query and answer.query.strip() != question.strip():
        lines += [f"*Searched for:* {_md(answer.query)}", ""]
    for warning in answer.warnings:
        lines += [f"> ⚠ {_md(warning)}", ""]
    if answer.abstained:
        lines += ["**No answer in the documents.**", ""]
    lines += [_md(answer.answer), ""]
    unverified = [s for s in answer.sentences if not s.verified]
    if unverified:
        lines.append("**Not verified:**")
        lines += [
            f"- ⚠ {_md(s.text)} ({_md('; '.join(s.issues) or 'unsupported')})" for s in unverified
        ]
        lines.append("")
    if answer.citations:
        lines += [f"**{'Sources' if not answer.abstained else POINTERS_LABEL}**", ""]
        for c in answer.citations:
            meta = ", ".join(_md(p) for p in citation_meta(c))
            lines.append(f"[{c.n}] **{_md(c.title or c.doc)}**" + (f" — {meta}" if meta else ""))
            lines.append(_md_code(c.doc) + ("" if c.verified else " (quote not verified)"))
            lines += ["", _md_quote(c.quote), ""]
    return "\n".join(lines)


def conversation_markdown(turns: list[tuple[str, Answer]]) -> str:
    """A conversation (question, answer) list as a Markdown document with its citations."""
    parts = ["# Conversation with the document assistant", ""]
    if not turns:
        parts.append("*No questions asked yet.*")
    for number, (question, answer) in enumerate(turns, start=1):
        parts.append(answer_markdown(question, answer, number))
    return "\n".join(parts).rstrip() + "\n"
