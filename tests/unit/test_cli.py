"""The `keplibot` command itself: every sub-command listed, only the one run is imported."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import COMMAND_MODULES, main, modules_for

REPO = Path(__file__).resolve().parents[2]

# What the bot needs and `keplibot score` does not: each costs start-up time.
HEAVY = ("telegram", "sqlalchemy", "alembic", "aiohttp", "pydantic", "handlers", "bot.app")


def loaded_after(
    argv: list[str], stdin: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run `main(argv)` in a fresh interpreter; the heavy modules it had imported by the end."""
    script = (
        "import json, sys\n"
        "from bot.cli import main\n"
        "try:\n"
        f"    status = main({argv!r})\n"
        "except SystemExit as exc:  # --help\n"
        "    status = exc.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps(heavy), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    return done, json.loads(done.stderr.splitlines()[-1])


def test_score_imports_nothing_the_bot_needs() -> None:
    done, heavy = loaded_after(["score", "--jsonl"], '{"ict_level_b_certified": true}\n')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 3
    assert heavy == []


def test_the_check_sees_a_command_that_imports_the_bot() -> None:
    done, heavy = loaded_after(["run", "--help"], "")
    assert done.returncode == 0, done.stderr
    assert "telegram" in heavy


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^    (\S+)", out, re.MULTILINE)
    assert listed == list(COMMAND_MODULES)


def test_a_misspelt_command_is_refused_naming_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scroe", "x.json"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'scroe'" in err
    for name in COMMAND_MODULES:
        assert f"'{name}'" in err


def test_no_command_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "modules"),
    [
        (["score", "--jsonl"], ("score",)),
        (["db", "upgrade"], ("db",)),
        (["--help"], COMMAND_MODULES),
        (["--version"], COMMAND_MODULES),
        ([], COMMAND_MODULES),
        (["scroe"], COMMAND_MODULES),
        (["--jsonl", "score"], COMMAND_MODULES),
    ],
)
def test_only_the_named_command_is_imported(argv: list[str], modules: tuple[str, ...]) -> None:
    assert modules_for(argv) == modules


def test_a_reader_that_stops_early_ends_the_batch_quietly(tmp_path: Path) -> None:
    """`keplibot score --jsonl < many | head -1`: no BrokenPipe traceback, SIGPIPE status."""
    many = tmp_path / "many.jsonl"
    many.write_text("{}\n" * 20_000)  # far more output than a pipe buffer holds
    with many.open() as stdin:
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())",
             "score", "--jsonl"],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()  # the reader goes away, like `head -1`
        status = process.wait(timeout=60)
        errors = process.stderr.read()
        process.stderr.close()
    assert json.loads(first)["total"] == 0
    assert "Traceback" not in errors
    assert status == 141
