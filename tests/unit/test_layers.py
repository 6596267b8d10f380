"""The dependency rules of design.md and docs/architecture.md, checked by import-linter.

The contracts live in `.importlinter` at the root of the repository (`make lint` runs
them too). Here the check runs on the project, and on a copy of it into which forbidden
imports were written, to show that each kind of rule can fail. Imports inside functions and
under `if TYPE_CHECKING:` count: they are dependencies all the same. The pure packages
(`scoring`, `bot.ui`) are also checked against the standard library's list of modules,
which a contract (a list of forbidden modules) cannot express.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "scoring", "teams", "tools")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the repository's contracts, on the packages found in `root`."""
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(REPO / ".importlinter")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def foreign_imports(graph: grimp.ImportGraph, package: str) -> list[str]:
    """Imports of `package` that are neither inside it nor of the standard library.

    The contracts forbid named libraries; this catches any library, also one added later.
    """
    found = []
    for module in sorted(graph.find_descendants(package) | {package}):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            inside = imported == package or imported.startswith(f"{package}.")
            if not inside and imported.split(".")[0] not in sys.stdlib_module_names:
                found.append(f"{module} imports {imported}")
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


@pytest.mark.parametrize("package", ["scoring", "bot.ui"])
def test_pure_packages_import_only_themselves_and_the_standard_library(
    graph: grimp.ImportGraph, package: str
) -> None:
    assert foreign_imports(graph, package) == []


def test_a_library_import_in_a_pure_package_is_found() -> None:
    graph = grimp.ImportGraph()
    for module in ("bot.ui", "bot.ui.screen", "bot.ui.actions"):
        graph.add_module(module)
    for imported in ("bot.ui.actions", "dataclasses", "multidict", "bot.config"):
        graph.add_import(importer="bot.ui.screen", imported=imported)
    assert foreign_imports(graph, "bot.ui") == [
        "bot.ui.screen imports bot.config",
        "bot.ui.screen imports multidict",
    ]


def test_the_project_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def only_python(directory: str, names: list[str]) -> set[str]:
    """For `shutil.copytree`: copy the Python modules and the folders that hold them."""
    return {
        name
        for name in names
        if name == "__pycache__" or not (name.endswith(".py") or Path(directory, name).is_dir())
    }


def test_a_forbidden_import_breaks_its_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=only_python)
    # One forbidden import per kind of rule, in new modules of a copy of the project.
    probes = {
        "scoring/probe.py": "import yaml",
        "bot/ui/probe.py": "from bot import config",
        "bot/services/probe.py": "import telegram",
        "handlers/probe.py": "from bot.models import User",
        "handlers/probe_late.py": "def later() -> None:\n    import bot.cli",
        "bot/metrics_probe.py": "from handlers import start",
        "bot/dialogs/__init__.py": "",
        "bot/dialogs/probe/__init__.py": "import sqlalchemy\nimport telegram",
        "teams/probe.py": "from handlers import start",
        "teams/probe_storage.py": "from bot.channel_models import ChannelUser",
    }
    for name, source in probes.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"{source}\n", encoding="utf-8")
    # bot.metrics is one of the edges that may not import handlers.
    (tmp_path / "bot" / "metrics.py").write_text("import bot.metrics_probe\n", encoding="utf-8")

    result = lint_imports(tmp_path)

    report = result.stdout
    assert result.returncode != 0, report
    # Every contract is broken by one of the probes.
    assert "Contracts: 0 kept" in report, report
    for chain in (
        "scoring.probe -> yaml",
        "bot.ui.probe -> bot.config",
        "bot.services.probe -> telegram",
        "handlers.probe -> bot.models",
        "handlers.probe_late -> bot.cli",
        "bot.metrics -> bot.metrics_probe",
        "bot.metrics_probe -> handlers.start",
        "bot.dialogs.probe -> sqlalchemy",
        "bot.dialogs.probe -> telegram",
        "teams.probe -> handlers.start",
        "teams.probe_storage -> bot.channel_models",
    ):
        assert chain in report, f"{chain} not reported:\n{report}"
