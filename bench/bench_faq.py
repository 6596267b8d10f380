"""FAQ search: accuracy on the labelled questions and query time (median, p99).

    .venv/bin/python bench/bench_faq.py [--repeat N]

Prints the index build time, top-1 and top-3 accuracy overall and per writing
style (Greek, no accents, Greeklish, typos, English), what the teacher would
see (answered, offered among "Did you mean", missed), the off-topic questions
that were not answered, and the per-query time over the whole set repeated N
times (default 20), in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.faq import Decision, FaqIndex

EVAL_FILE = Path(__file__).resolve().parents[1] / "tests" / "data" / "faq_eval.yaml"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the set (timing)")
    args = parser.parse_args()
    with EVAL_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    questions = data["questions"]

    started = time.perf_counter()
    index = FaqIndex.load()
    build_ms = (time.perf_counter() - started) * 1000
    print(f"index: {len(index.ids())} entries × 2 languages, built in {build_ms:.0f} ms")

    top1: Counter[str] = Counter()
    top3: Counter[str] = Counter()
    total: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for item in questions:
        style = item["style"]
        result = index.search(item["q"], item["lang"])
        ranked = [hit.id for hit in index.rank(item["q"], item["lang"])]
        total[style] += 1
        top1[style] += ranked[:1] == [item["id"]]
        top3[style] += item["id"] in ranked[:3]
        if result.answer_id == item["id"]:
            seen["answered"] += 1
        elif item["id"] in result.suggestions:
            seen["offered among 'Did you mean'"] += 1
        elif result.decision is Decision.ANSWER:
            seen["answered with another entry"] += 1
        else:
            seen["missed"] += 1

    n = sum(total.values())
    print(f"questions: {n}")
    all1, all3 = sum(top1.values()) / n, sum(top3.values()) / n
    print(f"top-1 accuracy: {all1:.1%}   top-3 accuracy: {all3:.1%}")
    for style in sorted(total):
        print(
            f"  {style:<10} {total[style]:>4}   top-1 {top1[style] / total[style]:6.1%}"
            f"   top-3 {top3[style] / total[style]:6.1%}"
        )
    print("what the teacher sees:")
    for outcome, count in seen.most_common():
        print(f"  {outcome:<30} {count:>4}  {count / n:6.1%}")
    off_topic = data.get("off_topic", [])
    answered = sum(
        index.search(item["q"], item["lang"]).decision is Decision.ANSWER for item in off_topic
    )
    print(f"off-topic questions answered outright: {answered}/{len(off_topic)}")

    timings: list[float] = []
    for _ in range(args.repeat):
        for item in questions:
            started = time.perf_counter()
            index.search(item["q"], item["lang"])
            timings.append((time.perf_counter() - started) * 1000)
    print(
        f"query time over {len(timings)} searches: median {statistics.median(timings):.2f} ms, "
        f"p99 {percentile(timings, 0.99):.2f} ms, max {max(timings):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
