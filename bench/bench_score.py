"""Throughput of `keplibot score --jsonl`: 10,000 varied declarations, in-process and end to end.

Prints declarations per second. Target: 10,000 lines in a few seconds.

    .venv/bin/python bench/bench_score.py [COUNT]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.commands.score import score_lines  # noqa: E402
from bot.i18n import get_translator  # noqa: E402

COUNTS = (
    "keplinet_head_years",
    "keplinet_staff_years_3plus_days",
    "keplinet_staff_years_under_3_days",
    "keplinet_acting_head_years",
    "lab_manager_effective_years",
    "keplinet_training_years",
    "certified_trainer_programmes",
    "lab_procurement_procedures",
)


def declaration(rng: random.Random) -> dict[str, Any]:
    """A realistic declaration: a few titles, some service, periods, languages, eligibility."""
    decl: dict[str, Any] = {name: rng.randint(0, 8) for name in COUNTS if rng.random() < 0.4}
    titles: list[dict[str, Any]] = []
    for i in range(rng.randint(0, 3)):
        title: dict[str, Any] = {
            "id": f"t{i}",
            "kind": rng.choice(["phd", "master", "second_degree"]),
            "related": rng.random() < 0.6,
        }
        if rng.random() < 0.1:
            title["recognised"] = False
        titles.append(title)
    masters = [t["id"] for t in titles if t["kind"] == "master"]
    for title in titles:
        if title["kind"] == "phd" and masters and rng.random() < 0.5:
            title["continues"] = rng.choice(masters)
    if titles:
        decl["titles"] = titles
    periods = []
    for _ in range(rng.randint(0, 3)):
        start = date(1995, 1, 1) + timedelta(days=rng.randint(0, 9000))
        end = start + timedelta(days=rng.randint(0, 1500))
        periods.append(
            {"start": start.isoformat(), "end": end.isoformat(), "from_thesis": rng.random() < 0.1}
        )
    if periods:
        decl["lab_experience_periods"] = periods
    languages = [
        {
            "language": rng.choice(["en", "fr", "de", "it", "el"]),
            "level": rng.choice(["B1", "B2", "C1", "C2"]),
        }
        for _ in range(rng.randint(0, 3))
    ]
    if languages:
        decl["languages"] = languages
    decl["ict_level_b_certified"] = rng.random() < 0.5
    decl["organic_position_at_school"] = rng.random() < 0.5
    if rng.random() < 0.7:
        decl["eligibility"] = {
            "days_per_week_at_school": rng.randint(1, 5),
            "branch": rng.choice(["ΠΕ86", "ΠΕ19", "pe 20", "ΠΕ03", ""]),
        }
    if rng.random() < 0.02:  # a few invalid lines: the batch must go on
        decl["keplinet_head_years"] = -1
    return decl


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(170610)
    lines = [json.dumps(declaration(rng), ensure_ascii=False) for _ in range(count)]
    tr = get_translator("el")

    started = time.perf_counter()
    out = list(score_lines(tr, lines))
    in_process = time.perf_counter() - started
    errors = sum(1 for line in out if line.startswith('{"error"'))
    assert len(out) == count

    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "score", "--jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    end_to_end = time.perf_counter() - started
    assert proc.stdout.count("\n") == count

    print(f"declarations: {count} ({errors} invalid, answered with an error line)")
    print(f"in process:   {in_process:.2f} s, {count / in_process:,.0f} declarations/s")
    print(f"end to end:   {end_to_end:.2f} s, {count / end_to_end:,.0f} declarations/s "
          "(keplibot score --jsonl, start-up included)")  # fmt: skip


if __name__ == "__main__":
    main()
