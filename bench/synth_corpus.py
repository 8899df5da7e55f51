"""Synthetic corpora for the scaling benchmark: N times the real corpus, from its own sentences.

Job: write a folder of plain-text documents whose total size is ``scale`` times the real corpus
(so about ``scale`` x its chunk count), deterministic for a seed. Each document has a title line
and numbered sections ("3.2 Heading") whose paragraphs are real sentences of the corpus, sampled
across documents, recombined (the head of one sentence joined at a clause boundary to the tail of
another, so the cleaner's near-repeat filter keeps them) and perturbed: every number is scaled
(years shifted), and place names and sectors are swapped, one mapping per document. Lengths are
sampled from the real documents' lengths (capped at half the sentence pool), so the size mix
(short interviews, long reports) is kept. No catalog is written: titles come from each file's
first line, as for uncatalogued files.

Non-job: realistic facts (the figures are scrambled on purpose), other languages, PDFs.

    python bench/synth_corpus.py --scale 10 --out /tmp/synth-10x
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.ingest.chunk import ChunkSettings, chunk_document  # noqa: E402
from assistant.ingest.clean import clean_document  # noqa: E402
from assistant.ingest.load import corpus_files, load_file  # noqa: E402
from assistant.text import split_sentences  # noqa: E402

SEED = 20261124
PLACES = (
    "Aguascalientes", "Baja California", "Chihuahua", "Coahuila", "Guanajuato", "Guadalajara",
    "Hidalgo", "Jalisco", "Mexico City", "Michoacán", "Monterrey", "Morelos", "Nuevo León",
    "Puebla", "Querétaro", "San Luis Potosí", "Sinaloa", "Sonora", "Tamaulipas", "Tijuana",
    "Veracruz", "Yucatán", "Zacatecas", "Ciudad Juárez", "Saltillo", "Mérida", "Hermosillo",
    "Toluca", "León", "Celaya", "Mexicali", "Durango", "Oaxaca", "Tlaxcala", "Colima",
)  # fmt: skip
_PLACE = re.compile(r"\b(" + "|".join(re.escape(p) for p in PLACES) + r")\b")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w])")
SECTORS = ("aerospace", "automotive", "renewable energy", "electronics", "medical devices",
           "agro-food", "software", "logistics", "textile", "chemical")  # fmt: skip
_SECTOR = re.compile(r"\b(" + "|".join(SECTORS) + r")\b", re.IGNORECASE)
_URL = re.compile(
    r"https?:|www\.|\.(?:com|org|mx|eu|html?)\b|@"
)  # the cleaner cuts footnotes at URLs
_CLAUSE = re.compile(r", |; | and | while | which | with ")


@dataclass(frozen=True)
class Pool:
    """What documents are recombined from: sentences, section titles, document lengths."""

    sentences: tuple[str, ...]
    headings: tuple[str, ...]
    lengths: tuple[int, ...]  # characters of each real document's cleaned text
    chunks: int  # chunks of the real corpus, for the size check


def read_pool(corpus_dir: Path = ROOT / "corpus") -> Pool:
    sentences: list[str] = []
    headings: set[str] = set()
    lengths: list[int] = []
    chunks = 0
    for path in corpus_files(corpus_dir):
        for doc in load_file(path, path.name):
            doc = clean_document(doc)
            lengths.append(len(doc.text))
            pieces = chunk_document(doc, ChunkSettings())
            chunks += len(pieces)
            for chunk in pieces:
                for part in chunk.section.split(" > "):
                    title = re.sub(r"^[\d.]+\s*", "", part).strip()
                    if 3 <= len(title) <= 90:
                        headings.add(title)
            for paragraph in doc.text.split("\n"):
                sentences += [
                    s
                    for s in split_sentences(paragraph)
                    if 30 <= len(s) <= 500 and not _URL.search(s)
                ]
    return Pool(tuple(dict.fromkeys(sentences)), tuple(sorted(headings)), tuple(lengths), chunks)


def _scale_number(match: re.Match[str], rng: random.Random) -> str:
    raw = match.group(1)
    plain = raw.replace(",", "")
    if "." in plain:
        decimals = len(plain.split(".")[1])
        return f"{float(plain) * rng.uniform(0.5, 1.5):.{decimals}f}"
    value = int(plain)
    if 1900 <= value <= 2030 and "," not in raw:  # a year: shift it a little
        return str(value + rng.randint(-6, 6))
    scaled = max(1, round(value * rng.uniform(0.5, 1.5)))
    return f"{scaled:,}" if "," in raw else str(scaled)


def _clauses(sentence: str) -> list[int]:
    """Clause boundaries in the middle half of a sentence (where it can be cut and joined)."""
    n = len(sentence)
    return [m.start() for m in _CLAUSE.finditer(sentence) if n // 4 <= m.start() <= 3 * n // 4]


def recombine(first: str, second: str, rng: random.Random) -> str:
    """The head of ``first`` up to a clause boundary, joined to the tail of ``second`` from one:
    new sentences (the cleaner drops near-repeats within a document), still corpus-like."""
    heads, tails = _clauses(first), _clauses(second)
    if not heads or not tails:
        return first
    return first[: rng.choice(heads)] + second[rng.choice(tails) :]


def perturb(sentence: str, swaps: dict[str, str], rng: random.Random) -> str:
    """The sentence with its numbers scaled, and its place names and sectors swapped (``swaps``
    maps each of PLACES and SECTORS, lower-cased for sectors, to its replacement)."""
    sentence = _PLACE.sub(lambda m: swaps[m.group(1)], sentence)
    sentence = _SECTOR.sub(lambda m: swaps[m.group(1).lower()], sentence)
    return _NUMBER.sub(lambda m: _scale_number(m, rng), sentence)


def _swaps(rng: random.Random) -> dict[str, str]:
    """One document's place and sector substitutions (a random permutation of each list)."""
    swaps: dict[str, str] = {}
    for names in (PLACES, SECTORS):
        shuffled = list(names)
        rng.shuffle(shuffled)
        swaps.update(zip(names, shuffled, strict=True))
    return swaps


def make_document(pool: Pool, number: int, rng: random.Random) -> str:
    """One document of about a real document's length: a title, then numbered sections.

    Sentences are dealt from a shuffled deck of the pool, each at most once per document (a
    document is capped at half the pool's text), so the cleaner finds few repeats to drop."""
    deck = list(pool.sentences)
    rng.shuffle(deck)
    cap = sum(map(len, deck)) // 2
    target = min(cap, int(rng.choice(pool.lengths) * rng.uniform(0.7, 1.3)))
    swaps = _swaps(rng)
    title = f"{perturb(rng.choice(pool.headings), swaps, rng)}: report {number}"
    lines, size, section = [title, ""], len(title), 0
    while size < target:
        section += 1
        heading = perturb(rng.choice(pool.headings), swaps, rng)
        lines += [f"{section}.{rng.randint(1, 4)} {heading}", ""]
        for _ in range(rng.randint(1, 4)):  # paragraphs of sentences from anywhere
            picked = [deck.pop() for _ in range(min(len(deck), rng.randint(2, 6)))]
            paragraph = " ".join(
                perturb(recombine(s, rng.choice(pool.sentences), rng), swaps, rng) for s in picked
            )
            lines += [paragraph, ""]
            size += len(paragraph) + 1
    return "\n".join(lines)


def write_corpus(out: Path, scale: float, seed: int = SEED, pool: Pool | None = None) -> dict:
    """Write documents until their text is ``scale`` x the real corpus; returns a summary."""
    pool = pool or read_pool()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    goal, written, files = int(sum(pool.lengths) * scale), 0, 0
    while written < goal:
        files += 1
        text = make_document(pool, files, rng)
        (out / f"synth-{files:05d}.txt").write_text(text, encoding="utf-8")
        written += len(text)
    return {"scale": scale, "files": files, "chars": written, "real_chunks": pool.chunks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, required=True, help="Multiple of the real corpus.")
    parser.add_argument("--out", type=Path, required=True, help="Folder to write (created).")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    print(write_corpus(args.out, args.scale, args.seed))


if __name__ == "__main__":
    main()
