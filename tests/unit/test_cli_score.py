"""`keplibot score`: JSON and text output, languages, exit codes, batch mode (in-process)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.unit.scoring_support import EXAMPLES_DIR, example_names, spec_dir

EXAMPLES = example_names()


def write(tmp_path: Path, value: Any, name: str = "declaration.json") -> str:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return str(path)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


@pytest.mark.parametrize("name", EXAMPLES)
def test_score_agrees_with_every_spec_example(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = spec_dir() / EXAMPLES_DIR
    assert main(["score", str(examples / f"{name}.json")]) == 0
    out = json.loads(capsys.readouterr().out, parse_float=Decimal)
    expected = json.loads((examples / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert out["schema"] == "ysepehy-score/2"
    assert out["total"] == Decimal(str(expected["total"]))
    assert out["total_min"] == Decimal(str(expected["total_min"]))
    assert {k: Decimal(str(v)) for k, v in out["criteria"].items()} == {
        k: Decimal(str(v)) for k, v in expected["criteria"].items()
    }
    if "eligibility" in expected:
        assert out["eligibility"]["status"] == expected["eligibility"]["status"]
        assert out["eligibility"]["eligible"] == expected["eligibility"]["eligible"]
        assert out["eligibility"]["priority_branch"] == expected["eligibility"]["priority_branch"]


def test_json_output_is_exactly_the_output_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {"keplinet_staff_years_under_3_days": 1, "ict_level_b_certified": True})
    assert main(["score", path, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"schema", "total", "total_min", "criteria", "notes"}
    assert out["total"] == 3.25
    assert out["criteria"]["θ"] == 0.25
    assert out["criteria"]["ιδ"] == 3


def test_notes_follow_the_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {"languages": [{"language": "el", "level": "C2"}]})
    assert main(["score", path]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == [
        "«el»: η ελληνική δεν είναι ξένη γλώσσα και δεν μοριοδοτείται."
    ]
    assert main(["score", path, "--lang", "en"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == [
        "“el” is Greek, not a foreign language: it scores nothing."
    ]


def test_text_output_is_greek_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {"titles": [{"kind": "second_degree", "related": False}]})
    assert main(["score", path, "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ενδεικτικό σύνολο: 0,5 μόρια\n")
    assert "στ) Δεύτερο πτυχίο σε μη συναφές αντικείμενο: 0,5 μόρια" in out
    assert "Δ.Δ.Ε." in out


def test_text_output_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {"titles": [{"kind": "second_degree", "related": False}]})
    assert main(["score", path, "--format", "text", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("Provisional total: 0.5 points\n")


def test_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, '{"organic_position_at_school": true}')
    assert main(["score", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 2
    feed_stdin(monkeypatch, '{"organic_position_at_school": true}')
    assert main(["score"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 2


def test_invalid_declaration_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    titles = [
        {"kind": "master", "related": True},
        {"kind": "phd", "related": True, "continues": "m"},
    ]
    path = write(tmp_path, {"titles": titles})
    assert main(["score", path, "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "keplibot score: titles[1].continues: no title of the declaration has the id “m”.\n"
    )


def test_every_error_of_a_declaration_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {"keplinet_head_years": "3", "organic": True})
    assert main(["score", path]) == 2
    err = sorted(capsys.readouterr().err.splitlines())
    assert len(err) == 2
    assert err[0].startswith("keplibot score: keplinet_head_years: πρέπει να είναι ακέραιος")
    assert err[1].startswith("keplibot score: organic: άγνωστο πεδίο")


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.json")
    assert main(["score", missing, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"keplibot score: cannot read {missing}: ")
    assert "No such file" in err


def test_invalid_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '{"titles": [}')
    assert main(["score", path, "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"keplibot score: {path} is not valid JSON (line 1, column 13")


def test_not_utf8_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin7.json"
    path.write_bytes(
        '{"languages": [{"language": "Γαλλικά", "level": "C1"}]}'.encode("iso-8859-7")
    )
    assert main(["score", str(path), "--lang", "en"]) == 2
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_a_byte_order_mark_is_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"ict_level_b_certified": true}')
    assert main(["score", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 3


def test_json_nested_too_deeply_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, "[" * 100_000 + "]" * 100_000)
    assert main(["score", "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "keplibot score: stdin: It is nested too deeply to be a declaration "
        "(more than 32 levels of brackets).\n"
    )


def test_a_number_thousands_of_digits_long_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, '{"keplinet_head_years": ' + "7" * 5000 + "}")
    assert main(["score", "--lang", "en"]) == 2
    assert capsys.readouterr().err == (
        "keplibot score: stdin: It has a number with 5000 digits (777777777777…): far too "
        "long for a declaration.\n"
    )
    feed_stdin(monkeypatch, '{"keplinet_head_years": 0.' + "5" * 5000 + "}")
    assert main(["score"]) == 2
    assert "5001 ψηφία" in capsys.readouterr().err


def test_a_json_value_that_is_not_an_object_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, "[1, 2]")
    assert main(["score", "--lang", "en"]) == 2
    assert capsys.readouterr().err == ("keplibot score: the declaration: must be a JSON object.\n")


def test_unknown_language_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["score", "--lang", "fr"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# --- batch -----------------------------------------------------------------------------------


def test_batch_writes_one_line_per_line_in_order_and_goes_on_after_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '{"ict_level_b_certified": true}',
        '{"keplinet_head_years": 61}',
        "not json",
        "",
        '{"titles": [{"kind": "phd", "related": true}], "eligibility": {"branch": "pe86"}}',
    ]
    feed_stdin(monkeypatch, "\n".join(lines) + "\n")
    assert main(["score", "--jsonl", "--lang", "en"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["total"] == 3
    assert out[1] == {
        "error": {
            "path": "keplinet_head_years",
            "code": "out_of_range",
            "message": "keplinet_head_years: must be from 0 to 60.",
        }
    }
    assert out[2]["error"]["code"] == "invalid_json"
    assert out[2]["error"]["path"] == ""
    assert out[3]["error"]["code"] == "invalid_json"
    assert out[4]["total"] == 6
    assert out[4]["eligibility"]["priority_branch"] is True


def test_batch_goes_on_after_a_line_nested_too_deeply_and_ignores_a_byte_order_mark(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '\ufeff{"organic_position_at_school": true}',
        "[" * 100_000,
        "{}",
        '{"keplinet_head_years": ' + "9" * 5000 + "}",
        "{}",
    ]
    feed_stdin(monkeypatch, "\n".join(lines) + "\n")
    assert main(["score", "--jsonl", "--lang", "en"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("total") for line in out] == [2, None, 0, None, 0]
    assert out[1]["error"] == {
        "path": "",
        "code": "too_deep",
        "message": "It is nested too deeply to be a declaration (more than 32 levels of "
        "brackets).",
    }
    assert out[3]["error"]["code"] == "number_too_long"
    assert out[3]["error"]["message"].startswith("It has a number with 5000 digits")


def test_batch_output_lines_are_compact_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, "{}\r\n{}")
    assert main(["score", "--jsonl"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 2
    assert out.splitlines()[0].startswith(
        '{"schema":"ysepehy-score/2","total":0,"total_min":0,"criteria":{"α":0'
    )


def test_batch_reads_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '{"lab_manager_effective_years": 2}\n{"typo": 1}\n', "batch.jsonl")
    assert main(["score", "--jsonl", path]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["total"] == 2
    assert out[1]["error"]["path"] == "typo"
    assert out[1]["error"]["message"].startswith("typo: άγνωστο πεδίο")


def test_empty_batch_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_stdin(monkeypatch, "")
    assert main(["score", "--jsonl"]) == 0
    assert capsys.readouterr().out == ""


# --- the command itself ----------------------------------------------------------------------


def test_help_lists_the_score_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "score" in capsys.readouterr().out


def test_score_help_shows_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    out = capsys.readouterr().out
    for option in ("--lang", "--format", "--jsonl", "FILE"):
        assert option in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("keplibot ")


SAME_FIELD = {
    "schema": "ysepehy-declaration/2",
    "titles": [
        {"kind": "master", "related": True, "id": "m"},
        {"kind": "phd", "related": True, "same_field_as": "m"},
    ],
    "languages": [{"language": "Αγγλικά", "level": "C2"}, {"language": "en", "level": "B2"}],
}


def test_text_mode_prints_both_totals_when_they_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, SAME_FIELD)
    assert main(["score", path, "--format", "text", "--lang", "en"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "Provisional total: 11 points; 7 if the teachers' association counts only the higher title"
    )


def test_json_mode_has_both_totals_and_one_language_for_code_and_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", write(tmp_path, SAME_FIELD)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["schema"], out["total"], out["total_min"]) == ("ysepehy-score/2", 11, 7)
    assert (out["criteria"]["ιζ"], out["criteria"]["ιθ"]) == (1, 0)
