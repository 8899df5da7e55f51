"""Rendering: Markdown transcripts keep [n] and sources; chat HTML never lets text become markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from assistant.app.export import (
    answer_html,
    conversation_markdown,
    error_html,
    highlight,
    streaming_html,
)
from assistant.types import Answer, Chunk, Citation, DocInfo, Hit, Sentence

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script> **bold** [x](javascript:alert(3))'


def _citation(n: int = 1, **fields: object) -> Citation:
    base: dict = {
        "n": n, "doc": "eccp-briefing.txt", "title": "Preparatory Briefing on Mexico",
        "publisher": "ECCP", "date": "2019", "section": "3.2 Clusters > Automotive", "page": 7,
        "quote": "The cluster has 119 members.", "verified": True, "chunk_id": f"c{n}",
        "passage": "CLAUGTO was founded in 2008. The cluster has 119 members. It has committees.",
    }  # fmt: skip
    base.update(fields)
    return Citation(**base)


def _answer(**fields: object) -> Answer:
    base: dict = {
        "question": "How many members does CLAUGTO have?",
        "query": "How many members does CLAUGTO have?",
        "answer": "CLAUGTO has 119 members [1]. It grew 40% in 2020 [2].",
        "abstained": False,
        "mode": "extractive",
        "citations": (_citation(1), _citation(2, title="Second source", page=None, chunk_id="c2")),
        "sentences": (
            Sentence("CLAUGTO has 119 members [1].", (1,), True),
            Sentence("It grew 40% in 2020 [2].", (2,), False, ("40% not in source [2]",)),
        ),
    }
    base.update(fields)
    return Answer(**base)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


ALLOWED_TAGS = {"div", "span", "sup", "q", "ol", "li", "blockquote", "mark", "details", "summary",
                "br", "table", "thead", "tbody", "tr", "th", "td"}  # fmt: skip


def test_markdown_has_markers_titles_and_quotes() -> None:
    md = conversation_markdown([("How many members does CLAUGTO have?", _answer())])
    assert "[1]" in md and "[2]" in md
    assert "Preparatory Briefing on Mexico" in md and "Second source" in md
    assert "> The cluster has 119 members." in md
    assert "ECCP, 2019, § 3.2 Clusters > Automotive, p. 7" in md
    assert "⚠ It grew 40% in 2020 [2]. (40% not in source [2])" in md
    assert md.startswith("# ") and md.endswith("\n")


def test_markdown_numbers_turns_and_shows_rewritten_query() -> None:
    first = _answer()
    follow = _answer(question="And when was it founded?", query="When was CLAUGTO founded?")
    md = conversation_markdown([(first.question, first), (follow.question, follow)])
    assert "## 1. How many members" in md and "## 2. And when was it founded?" in md
    assert "*Searched for:* When was CLAUGTO founded?" in md


def test_markdown_abstention_and_warnings() -> None:
    warnings = ("LLM unreachable; extractive answer shown",)
    answer = _answer(abstained=True, answer="No.", citations=(), sentences=(), warnings=warnings)
    md = conversation_markdown([("What is the GDP of Mars?", answer)])
    assert "No answer in the documents" in md and "LLM unreachable" in md


def test_markdown_neutralises_html() -> None:
    md = conversation_markdown([(EVIL, _answer(question=EVIL, answer=EVIL, sentences=()))])
    assert "<img" not in md and "<script" not in md


def test_empty_conversation() -> None:
    assert "No questions asked yet" in conversation_markdown([])


def test_answer_html_is_one_line_of_known_tags() -> None:
    html = answer_html(_answer(), debug=True)
    assert "\n" not in html  # one raw HTML block: a Markdown renderer never sees document text
    parsed = _parse(html)
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert set(parsed.attrs) <= {"class", "role", "title", "open", "tabindex"}


def test_every_text_from_questions_answers_and_documents_is_escaped() -> None:
    evil_cite = _citation(title=EVIL, publisher=EVIL, date=EVIL, section=EVIL, doc=EVIL,
                          quote=EVIL, passage=f"before {EVIL} after")  # fmt: skip
    hit = Hit(Chunk("c1", EVIL, EVIL, EVIL, None, 0, 1), DocInfo(EVIL, EVIL), 0.5, 1)
    answer = _answer(question=EVIL, query=EVIL + "!", answer=EVIL, citations=(evil_cite,),
                     warnings=(EVIL,), sentences=(Sentence(EVIL, (1,), False, (EVIL,)),),
                     hits=(hit,), timings_ms={EVIL: 1.0})  # fmt: skip
    for html in (answer_html(answer, debug=True), streaming_html(EVIL), error_html(EVIL)):
        parsed = _parse(html)
        assert "img" not in parsed.tags and "script" not in parsed.tags and "a" not in parsed.tags
        assert "onerror" not in parsed.attrs
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_quote_is_highlighted_inside_its_passage() -> None:
    html = answer_html(_answer())
    assert "CLAUGTO was founded in 2008. <mark>The cluster has 119 members.</mark> It has" in html
    # whitespace differences between quote and passage still find the spot
    assert highlight("A  b\nc. Next.", "A b c.") == "<mark>A  b<br>c.</mark> Next."
    # a quote missing from the passage is shown, not dropped
    assert highlight("Other text.", "Lost quote.").startswith("<mark>Lost quote.</mark>")


def test_long_passages_are_trimmed_around_the_quote_with_the_whole_on_demand() -> None:
    passage = "word " * 200 + "The cluster has 119 members. " + "tail " * 200
    html = answer_html(_answer(citations=(_citation(passage=passage),)))
    excerpt = re.search(r'<blockquote class="qa-passage">(.*?)</blockquote>', html)
    assert excerpt and len(excerpt.group(1)) < 500 and excerpt.group(1).startswith("…")
    assert "Whole passage" in html and html.count("<mark>") == 2


def test_unverified_sentences_are_marked_with_their_issues() -> None:
    html = answer_html(_answer())
    assert (
        '<span class="qa-unverified">It grew 40% in 2020 <sup class="qa-ref qa-n-2" '
        'role="button" tabindex="0" title="Show source 2">[2]</sup>.</span>' in (html)
    )
    assert "⚠ unverified: 40% not in source <sup" not in html  # issues are plain text
    assert "⚠ unverified: 40% not in source [2]" in html
    assert html.count("qa-unverified") == 1


def test_abstentions_warnings_and_rewritten_queries_look_different() -> None:
    abstained = answer_html(_answer(abstained=True, citations=(), sentences=()))
    assert "qa-abstained" in abstained and "No answer in the documents" in abstained
    assert "qa-abstained" not in answer_html(_answer())
    warned = answer_html(_answer(warnings=("LLM unreachable",)))
    assert 'class="qa-warning" role="status">⚠ LLM unreachable' in warned
    assert "Searched for" not in answer_html(_answer())
    assert "Searched for: <q>When was CLAUGTO founded?</q>" in answer_html(
        _answer(query="When was CLAUGTO founded?")
    )


def test_source_cards_show_title_publisher_date_section_page() -> None:
    html = answer_html(_answer())
    assert '<span class="qa-source-n">[1]</span>' in html and "[2]</span>" in html
    assert "Preparatory Briefing on Mexico" in html
    assert "ECCP · 2019 · § 3.2 Clusters &gt; Automotive · p. 7" in html


def test_debug_view_lists_ranks_scores_and_timings() -> None:
    doc = DocInfo("d.txt", "Doc title")
    hits = (
        Hit(Chunk("c1", "d.txt", "t", "S1", None, 0, 1), doc, 0.0325, 1, 3, 0.8, 1, 12.5),
        Hit(Chunk("c9", "d.txt", "t", "S2", None, 0, 1), doc, 0.0161, 2, None, None, 4, 3.0),
    )
    html = answer_html(_answer(hits=hits, timings_ms={"retrieve": 9.14, "total": 31.0}), debug=True)
    assert "<td>1</td><td>0.0325</td><td>1</td><td>3</td>" in html
    assert "<td>2</td><td>0.0161</td><td>4</td><td>–</td>" in html
    assert "retrieve 9.1 ms · total 31.0 ms" in html
    assert "Debug" not in answer_html(_answer(hits=hits))


def test_each_marker_points_at_its_card_and_each_card_opens_its_document() -> None:
    cite = _citation(page=4)
    html = answer_html(_answer(citations=(cite,)))
    # classes, as the chat window's sanitiser drops data-* attributes
    assert f'<sup class="qa-ref qa-n-{cite.n}"' in html
    assert f'<li class="qa-source qa-n-{cite.n} qa-page-4">' in html
    assert '<span class="qa-open" role="button" tabindex="0"' in html


def test_a_refusals_closest_passages_are_pointers_not_highlighted_evidence() -> None:
    cite = _citation()
    refusal = _answer(abstained=True, answer="The documents don't say.", citations=(cite,))
    html = answer_html(refusal)
    assert "<mark>" not in html and "Whole passage" not in html
    assert 'class="qa-source qa-pointer qa-n-1' in html and "Closest passages" in html
    assert "The cluster has 119 members." in html  # still shown, as a place to look
    assert "Closest passages" in conversation_markdown([("Q?", refusal)])
    assert "<mark>" in answer_html(_answer(citations=(cite,)))  # an answer's quote is marked
