"""Text utilities shared by every stage: accent folding, tokens, numbers, sentence spans.

Pure functions on strings, no I/O and no models. Sentence spans are (start, end) offsets into the
given text, so quotes built from them are exact substrings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"´": "'", "’": "'", "‘": "'", "`": "'", "“": '"', "”": '"'})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Casefold and strip accents: "Querétaro" -> "queretaro", "NUEVO LEÓN" -> "nuevo leon"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?![\d])(?!,\d)")
_DOT_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d.,])")


def normalize_numbers(text: str) -> str:
    """Drop thousands separators so "35,000", "35 000" and "35.000" all read "35000".

    A decimal part is kept ("1,374.46" -> "1374.46", "9.9" and "2.4%" unchanged).
    """
    text = _THOUSANDS.sub(lambda m: re.sub(r"[,\u202f\u00a0 ]", "", m.group(0)), text)
    return _DOT_THOUSANDS.sub(lambda m: m.group(0).replace(".", ""), text)


_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+", re.UNICODE)

STOPWORDS = frozenset(
    """a an and are as at be been by did do does for from had has have how i in is it its of on or
    that the their there these they this to was were what when where which who whom why will with
    you your me my our we us can could would should about into than then also any all more most
    el la los las un una unos unas de del y o en que por para con como cual cuales cuando donde
    quien quienes es son fue fueron se su sus al lo le les ha han hay este esta estos estas ese esa
    der die das den dem des ein eine einer eines und oder in im ist sind war waren wie was wer wo
    wann welche welcher welches von vom zu zum zur mit auf fur für es sich hat haben gibt
    tiene tienen tenia hay esta estan ser era segun sobre entre nach laut wurde wurden ist
    hatte sein seine ihre ihr welchen welchem dem""".split()
)


def singular(token: str) -> str:
    """A light plural stemmer: "clusters" -> "cluster", "companies" -> "company"."""
    if len(token) <= 3 or token[-1] != "s" or token.endswith(("ss", "us", "is")):
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "xes", "ches", "shes")):
        return token[:-2]
    return token[:-1]


# The past forms of common irregular verbs, read as the verb ("chose" is "choose"): a question in
# the present meets a passage in the past. Forms that are also other words are left out ("found",
# "left", "lay").
_IRREGULAR = {
    form: verb
    for verb, forms in {
        "become": "became", "begin": "began begun", "bring": "brought", "build": "built",
        "buy": "bought", "choose": "chose chosen", "come": "came", "draw": "drew drawn",
        "drive": "drove driven", "fall": "fell fallen", "get": "got gotten", "give": "gave given",
        "go": "went gone", "grow": "grew grown", "hold": "held", "keep": "kept", "know": "knew",
        "lead": "led", "lose": "lost", "make": "made", "mean": "meant", "meet": "met",
        "pay": "paid", "rise": "rose risen", "run": "ran", "seek": "sought", "sell": "sold",
        "send": "sent", "speak": "spoke spoken", "spend": "spent", "stand": "stood",
        "take": "took taken", "teach": "taught", "tell": "told", "think": "thought",
        "undertake": "undertook undertaken", "win": "won", "write": "wrote written",
    }.items()
    for form in forms.split()
}  # fmt: skip


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """A light English stemmer: plurals, then -ing, -ed, -ation, -ion, -ment, so that
    "promoting", "promotion" and "promoted" meet; numbers are left alone; an irregular past
    form is its verb ("chose" -> "choose")."""
    if token[:1].isdigit():
        return token
    token = _IRREGULAR.get(token, token)
    token = singular(token)
    for suffix, keep in (("ation", 5), ("ment", 5), ("ing", 4), ("ion", 4), ("ed", 4)):
        if token.endswith(suffix) and len(token) - len(suffix) >= keep:
            return token[: -len(suffix)]
    return token[:-1] if len(token) > 4 and token.endswith("e") else token  # describe ~ described


_ICT = re.compile(r"\b(?:IT|ICT|TI|TIC|TICs)\b")
USA = re.compile(r"\bU\.?S\.?(?:A\.?)?(?![\w$])")


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Folded, stemmed word and number tokens for BM25 and overlap scores.

    "IT", "ICT" and the Spanish "TI"/"TIC" (in capitals) become one token, "ict": folded to
    lower case, "IT" would otherwise be the stopword "it"."""
    tokens = _TOKEN.findall(normalize_numbers(fold(USA.sub(" usa ", _ICT.sub(" ict ", text)))))
    if not keep_stopwords:
        tokens = [t for t in tokens if t not in STOPWORDS]
    return [stem(t) for t in tokens]


# Sentence splitting ---------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    """e.g i.e etc vs mr mrs ms dr st no nos approx inc ltd co corp jr sr fig figs p pp al ca
    u.s u.k a.c s.a s.c dept est min max art arts sec vol eds ed""".split()
)
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(¿¡•\[]?[A-Z0-9ÁÉÍÓÚÑÜ€$])")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot]
    if not word:
        return False
    last = word.rsplit(".", 1)[-1]
    if len(last) == 1 and last.isupper():
        return True  # an initial: "A.T. Kearney", "J. Smith"
    return word.lower() in _ABBREVIATIONS


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text[start:end]``; line breaks always split."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start, line_end = start + line.start(), start + line.end()
        cursor = line_start
        while cursor < line_end and text[cursor].isspace():  # no span starts with a space
            cursor += 1
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            dot = match.start()
            if text[dot] == "." and _is_abbreviation(text, dot):
                continue
            sentence_end = match.end()
            while sentence_end > cursor and text[sentence_end - 1].isspace():
                sentence_end -= 1
            if sentence_end > cursor:
                spans.append((cursor, sentence_end))
            cursor = match.end()
        while cursor < line_end and text[cursor].isspace():
            cursor += 1
        tail_end = line_end
        while tail_end > cursor and text[tail_end - 1].isspace():
            tail_end -= 1
        if tail_end > cursor:
            spans.append((cursor, tail_end))
        pos = line_end
    del pos
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


# Numbers as facts, for verification and evaluation ---------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\d])")


def numbers_in(text: str) -> list[str]:
    """Canonical numbers mentioned in ``text``: "€9.9 billion" -> "9.9", "35 000" -> "35000"."""
    found = []
    for match in _NUMBER.finditer(normalize_numbers(text)):
        found.append(match.group(0))
    return found
