"""The architecture as tests: which layer may import which, what loads torch, and how big things may grow."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "zhtagger"
TASKS = sorted(p.name for p in (PACKAGE / "tasks").iterdir() if (p / "__init__.py").is_file())
SHARED = ("base", "inputs", "engine")  # tasks/*.py: what every task may use (the contract, inputs, engines)
TASK_FILES = {"__init__.py", "config.py", "data.py", "network.py", "predictor.py", "train.py", "evaluate.py"}
# modules that must work without torch: text processing, settings, model directories, the registry, the numpy
# engine and every predictor (inference), the jieba-style API and the command line
TORCH_FREE = ["zhtagger", "zhtagger.api", "zhtagger.cli", "zhtagger.config", "zhtagger.optional",
              "zhtagger.evaluation", "zhtagger.modeldir", "zhtagger.registry", "zhtagger.core.config",
              "zhtagger.tokenizer", "zhtagger.posseg", "zhtagger.text.dictionary",
              "zhtagger.core.light", "zhtagger.core.threads", "zhtagger.tasks.base",
              "zhtagger.tasks.inputs", "zhtagger.tasks.engine", "zhtagger.tasks.segment.stream",
              "zhtagger.tasks.segment.light", "zhtagger.tasks.cloze.light"] + [
    f"zhtagger.tasks.{task}.{name}" for task in TASKS for name in ("config", "predictor", "evaluate", "data")] + [
    f"zhtagger.text.{p.stem}" for p in (PACKAGE / "text").glob("*.py")]


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The zhtagger modules a file imports (at the top or inside functions; TYPE_CHECKING imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zhtagger"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("zhtagger"))
    return names


def under(names: set[str], *prefixes: str) -> set[str]:
    return {name for name in names if any(name == p or name.startswith(p + ".") for p in prefixes)}


@pytest.mark.parametrize("path", modules(PACKAGE / "core"), ids=lambda p: p.name)
def test_the_core_knows_no_text_and_no_task(path):
    assert not under(imported(path), "zhtagger.text", "zhtagger.tasks", "zhtagger.api", "zhtagger.cli")


@pytest.mark.parametrize("path", modules(PACKAGE / "text"), ids=lambda p: p.name)
def test_text_processing_uses_neither_the_core_nor_tasks(path):
    assert not under(imported(path), "zhtagger.core", "zhtagger.tasks", "zhtagger.api", "zhtagger.cli")


@pytest.mark.parametrize("task", TASKS)
def test_tasks_share_file_names_and_import_no_other_task(task):
    folder = PACKAGE / "tasks" / task
    assert {p.name for p in folder.glob("*.py")} >= TASK_FILES
    for path in modules(folder):
        others = {name for name in under(imported(path), "zhtagger.tasks")
                  if name.split(".")[2] not in (task, *SHARED)}
        assert not others, f"{path.name} imports {others}"
        assert not under(imported(path), "zhtagger.cli", "zhtagger.api"), path


def test_text_processing_and_settings_import_no_torch():
    code = "import sys\n" + "".join(f"import {name}\n" for name in TORCH_FREE) + "print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_segmenting_text_and_filling_blanks_load_no_optional_dependency():
    code = ("import sys, zhtagger\nzhtagger.lcut('我爱北京天安门')\nzhtagger.load('cloze').fill('我____饭。')\n"
            "print(sorted({'torch', 'matplotlib', 'datasets', 'seqeval'} & set(sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_the_command_line_segments_without_torch():
    """Building every command's parser (help texts name training defaults) and cutting text load no torch."""
    code = ("import sys\nfrom zhtagger.cli import main\nmain(['cut', '--text', '我爱北京天安门'])\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["我 爱 北京 天安门", "False"]


@pytest.mark.parametrize("path", modules(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 400
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno - node.lineno < 60, f"{node.name} has {node.end_lineno - node.lineno + 1} lines"
