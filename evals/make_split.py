"""Split the shared SQuAD articles into training and validation, by article, seeded.

    python evals/make_split.py            # writes evals/split.json (committed)

Training articles are for fitting the reader (``train/train_reader.py``); validation articles are
for choosing models and thresholds (``assistant eval --suite squad2-val``). Whole articles go to
one side only, so no paragraph of a validation article is ever seen in training. The split is a
seeded shuffle of the titles: the same files always give the same split.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "qa"
FILES = {"squad2": "squad2-dev-25-articles.json", "squad11": "squad11-dev-13-articles.json"}
VALIDATION = {"squad2": 6, "squad11": 3}  # articles per file; squad2's six hold >= 1,500 questions
SEED = 20261204


def split(data_dir: Path = DATA) -> dict:
    out: dict = {"seed": SEED, "files": {}}
    for name, file in FILES.items():
        articles = json.loads((data_dir / file).read_text(encoding="utf-8"))["data"]
        titles = sorted(a["title"] for a in articles)
        random.Random(f"{SEED}:{name}").shuffle(titles)
        val = sorted(titles[: VALIDATION[name]])
        out["files"][name] = {
            "file": file,
            "validation": val,
            "training": sorted(titles[VALIDATION[name] :]),
        }
    return out


if __name__ == "__main__":
    result = split()
    path = ROOT / "evals" / "split.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
