"""The composer's own words, in the question's language (English, Spanish or German).

Job: ``language_of`` a question (by its function words) and the fixed phrases an extractive
answer frames its quotes with: the statement of absence, the pointer to the closest passages,
the conflict lead, the overview lead, and a note that the quotes are in the documents' language.
Quotes themselves are never translated.

Non-job: translating questions or passages.
"""

from __future__ import annotations

from ..text import fold
from ..types import NOT_SAID, NOT_SAID_PHRASES

_SPANISH = frozenset(
    """que cual cuales cuantos cuantas quien quienes donde cuando como tiene tienen hay los las
    una segun el la en se es son por para del""".split()
)
_GERMAN = frozenset(
    """wie viele welche welcher welches wer wann wo hat haben gibt der die das und mit laut im ist
    sind ein eine den dem des sich""".split()
)

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "not_said": NOT_SAID,
        "missing": "{not_said}: none of the passages found mentions {words}.",
        "unanswered": "{not_said} this (“{question}”): the passages found do not answer it.",
        "part": "{not_said}: {question}",
        "pointers": "The closest passages are shown as pointers.",
        "conflict": "The sources give different figures: {items}.",
        "overview": "What the documents say:",
        "quoted": "",
    },
    "es": {
        "not_said": NOT_SAID_PHRASES[1],
        "missing": "{not_said}: ningún pasaje encontrado menciona {words}.",
        "unanswered": "{not_said} (“{question}”): los pasajes encontrados no responden a ello.",
        "part": "{not_said}: {question}",
        "pointers": "Los pasajes más cercanos se muestran como referencia.",
        "conflict": "Las fuentes dan cifras distintas: {items}.",
        "overview": "Lo que dicen los documentos:",
        "quoted": "(Citas en inglés, tal como aparecen en los documentos.)",
    },
    "de": {
        "not_said": NOT_SAID_PHRASES[2],
        "missing": "{not_said}: keine der gefundenen Passagen erwähnt {words}.",
        "unanswered": "{not_said} („{question}“): die gefundenen Passagen beantworten es nicht.",
        "part": "{not_said}: {question}",
        "pointers": "Die nächstliegenden Passagen werden als Hinweise gezeigt.",
        "conflict": "Die Quellen nennen unterschiedliche Zahlen: {items}.",
        "overview": "Was die Dokumente sagen:",
        "quoted": "(Zitate auf Englisch, wie sie in den Dokumenten stehen.)",
    },
}


def language_of(question: str) -> str:
    """ "es" or "de" when two or more of the question's words are that language's function
    words (and more than of the other), else "en"."""
    words = [w.strip("¿?¡!,.;:") for w in fold(question).split()]
    es = sum(w in _SPANISH for w in words)
    de = sum(w in _GERMAN for w in words)
    if max(es, de) < 2:
        return "en"
    return "es" if es > de else "de" if de > es else "en"


def phrase(lang: str, key: str, **values: str) -> str:
    table = PHRASES.get(lang, PHRASES["en"])
    return table[key].format(not_said=table["not_said"], **values)
