"""`keplibot deadlines import FILE.yaml` / `export`: what an operator types and reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main

GOOD = """\
deadlines:
  - key: interest-2027
    kind: interest
    title: {el: Εκδήλωση ενδιαφέροντος, en: Expression of interest}
    at: "2027-09-15 14:00"
  - key: meeting-2027
    kind: meeting
    title: Συνεδρίαση συλλόγου
    at: "2027-09-24 13:30"
    link: https://www.minedu.gov.gr/
"""

BAD = """\
deadlines:
  - key: interest-2027
    kind: interest
    title: Α
    at: 31/2/2027
  - kind: holiday
    title: Β
    at: 2027-09-24
"""


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    return database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["deadlines", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.usefixtures("database")
def test_import_dry_run_then_for_real_then_again_and_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "deadlines.yaml"
    source.write_text(GOOD, encoding="utf-8")

    status, out, _ = run(capsys, "import", str(source), "--dry-run")
    assert status == 0
    assert "created: 2 (interest-2027, meeting-2027)" in out
    assert "Dry run: nothing was changed." in out
    status, out, _ = run(capsys, "export")
    assert (status, yaml.safe_load(out)) == (0, {"deadlines": []})

    status, out, _ = run(capsys, "import", str(source))
    assert (status, out.strip()) == (0, "created: 2 (interest-2027, meeting-2027)")
    status, out, _ = run(capsys, "import", str(source))
    assert (status, out.strip()) == (0, "unchanged: 2 (interest-2027, meeting-2027)")

    target = tmp_path / "out.yaml"
    assert run(capsys, "export", str(target))[0] == 0
    exported = yaml.safe_load(target.read_text(encoding="utf-8"))["deadlines"]
    assert [(d["key"], d["at"]) for d in exported] == [
        ("interest-2027", "2027-09-15 14:00"),
        ("meeting-2027", "2027-09-24 13:30"),
    ]
    assert exported[1]["link"] == "https://www.minedu.gov.gr/"
    assert exported[1]["title"] == {"el": "Συνεδρίαση συλλόγου", "en": "Συνεδρίαση συλλόγου"}


@pytest.mark.usefixtures("database")
def test_a_bad_file_names_each_problem_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(BAD, encoding="utf-8")
    status, _, err = run(capsys, "import", str(source))
    assert status == 1
    assert f"{source}: nothing imported." in err
    assert (
        "entry 1 (interest-2027): I could not read that date. Write it like 15/9/2027 14:00 "
        "(Greek time). (31/2/2027)" in err
    )
    assert "entry 2: `key` is missing: it identifies the deadline." in err
    assert yaml.safe_load(run(capsys, "export")[1]) == {"deadlines": []}

    status, _, err = run(capsys, "import", str(tmp_path / "missing.yaml"))
    assert status == 1
    assert "missing.yaml" in err
