"""Tally benchmark: IRV and STV over 100,000 ranked papers (pure Python, no database).

Prints timings only, never asserts (budget from issue 5: under 1 s each).
Run: ``.venv/bin/python -m bench.tally``.
"""

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voting.tally import irv, stv  # noqa: E402

PAPERS = 100_000


def make_papers(n_candidates: int, n_papers: int = PAPERS, seed: int = 1) -> tuple[list, list]:
    rng = random.Random(seed)
    options = [f"c{i}" for i in range(n_candidates)]
    weights = [rng.random() + 0.2 for _ in options]
    papers = []
    for _ in range(n_papers):
        order = sorted(options, key=lambda o: -weights[options.index(o)] * rng.random())
        papers.append(order[: rng.randint(1, n_candidates)])
    return papers, options


def main() -> None:
    for k in (5, 8):
        papers, options = make_papers(k)
        t = time.perf_counter()
        r = irv(papers, options)
        irv_s = time.perf_counter() - t
        t = time.perf_counter()
        s = stv(papers, options, seats=3)
        stv_s = time.perf_counter() - t
        print(f"tally {PAPERS:,} papers, {k} candidates: IRV {irv_s:.3f} s ({len(r['rounds'])} rounds), "
              f"STV 3 seats {stv_s:.3f} s ({len(s['stages'])} stages)")


if __name__ == "__main__":
    main()
