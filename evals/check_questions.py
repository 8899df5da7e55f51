"""Validate evals/questions.jsonl against corpus/.  Usage: python evals/check_questions.py

Checks: valid JSON per line with exactly the expected keys and types; unique ids; known
categories with >= 8 questions each; sources exist in corpus/; each evidence quote is a
verbatim substring of a listed source (whitespace runs collapsed); each gold answer is in
the evidence (casefold, NFKD accent-stripping, collapsed whitespace, digit-group commas
dropped so "35000" matches "35,000", word boundaries at word-character ends; for match
"all" each part needs one " | " alternative); follow-ups have a history; unanswerable
"absent" terms occur in no corpus document; every document is a source of >= 8 questions.
Exit 1 with the list of problems, 0 with a summary.
"""

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QFILE = ROOT / "evals" / "questions.jsonl"
CATEGORIES = {
    "numeric",
    "date",
    "entity",
    "list",
    "table",
    "multi-document",
    "follow-up",
    "conflicting",
    "unanswerable",
    "non-english",
}
BASE_KEYS = {"id", "category", "question", "answers", "match", "sources", "evidence"}
MIN_PER_CATEGORY = 8
MIN_PER_DOC = 8


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def norm(text):
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return collapse(text)


def contains_answer(answer, evidence):
    a = norm(answer)
    if not a:
        return False
    pat = re.escape(a)
    if re.match(r"\w", a):
        pat = r"\b" + pat
    if re.search(r"\w$", a):
        pat = pat + r"\b"
    return re.search(pat, norm(evidence)) is not None


def check_item(q, docs, problems):
    qid = q.get("id", "?")

    def bad(msg):
        problems.append(f"{qid}: {msg}")

    cat = q.get("category")
    allowed = BASE_KEYS | {"follow-up": {"history"}, "unanswerable": {"absent"}}.get(cat, set())
    if set(q) != allowed:
        bad(f"keys {sorted(set(q))} != expected {sorted(allowed)}")
    if cat not in CATEGORIES:
        bad(f"unknown category {cat!r}")
    for key in ("id", "question"):
        if not isinstance(q.get(key), str) or not q.get(key).strip():
            bad(f"{key} must be a non-empty string")
    answers, sources, evidence = q.get("answers"), q.get("sources"), q.get("evidence")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return bad("answers must be a list of strings")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        return bad("sources must be a list of strings")
    for s in sources:
        if s not in docs:
            bad(f"source {s} not in corpus/")
    if cat == "unanswerable":
        if answers or sources or evidence != "" or q.get("match") != "none":
            bad("unanswerable needs answers [], sources [], evidence '', match 'none'")
        absent = q.get("absent")
        if not isinstance(absent, list) or not absent:
            return bad("unanswerable needs non-empty 'absent' list")
        for term in absent:
            for name, text in docs.items():
                if norm(term) in norm(text):
                    bad(f"absent term {term!r} occurs in {name}")
        return
    if q.get("match") not in ("any", "all"):
        bad(f"match must be 'any' or 'all', got {q.get('match')!r}")
    if not answers or not sources:
        return bad("answers and sources must be non-empty")
    quotes = evidence if isinstance(evidence, list) else [evidence]
    if not quotes or not all(isinstance(e, str) and e.strip() for e in quotes):
        return bad("evidence must be a non-empty string or list of strings")
    for quote in quotes:
        if not any(collapse(quote) in collapse(docs.get(s, "")) for s in sources):
            bad(f"evidence not verbatim in {sources}: {quote[:70]!r}")
    joined = " \n ".join(quotes)
    for ans in answers:
        alts = [a.strip() for a in ans.split(" | ")] if q.get("match") == "all" else [ans]
        if not any(contains_answer(a, joined) for a in alts):
            bad(f"answer {ans!r} not found in evidence")
    if cat == "follow-up":
        hist = q.get("history")
        ok = (
            isinstance(hist, list)
            and hist
            and all(
                isinstance(t, dict)
                and t.get("role") in ("user", "assistant")
                and isinstance(t.get("content"), str)
                and t["content"].strip()
                for t in hist
            )
        )
        if not ok:
            bad("follow-up needs a non-empty history of {role, content} turns")


def main():
    docs = {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}
    problems, items, ids = [], [], Counter()
    for n, line in enumerate(QFILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc})")
            continue
        if not isinstance(q, dict):
            problems.append(f"line {n}: not a JSON object")
            continue
        items.append(q)
        ids[q.get("id")] += 1
        check_item(q, docs, problems)
    problems += [f"duplicate id {i!r} ({c}x)" for i, c in ids.items() if c > 1]
    per_cat = Counter(q.get("category") for q in items)
    for cat in sorted(CATEGORIES):
        if per_cat[cat] < MIN_PER_CATEGORY:
            problems.append(f"category {cat}: only {per_cat[cat]} questions")
    per_doc = Counter(s for q in items for s in set(q.get("sources") or []))
    for name in docs:
        if per_doc[name] < MIN_PER_DOC:
            problems.append(f"document {name}: source of only {per_doc[name]} questions")
    if problems:
        print(f"{len(problems)} problem(s):")
        print("\n".join("  " + p for p in problems))
        return 1
    cats = ", ".join(f"{c}={per_cat[c]}" for c in sorted(per_cat))
    print(f"{len(items)} questions OK, per category: {cats}")
    print("per document: " + ", ".join(f"{d}={per_doc[d]}" for d in sorted(docs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
