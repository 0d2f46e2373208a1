"""The commit a benchmark run names in bench/results.md: "+changes" only when the code differs
from the commit, never because an earlier run rewrote the results the repository keeps."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look themselves up
    spec.loader.exec_module(module)
    (tmp_path / "bench").mkdir()
    for name in ("results.md", "results.json", "vote.lua"):
        (tmp_path / "bench" / name).write_text("first\n")

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "start")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "RESULTS_MD", tmp_path / "bench" / "results.md")
    monkeypatch.setattr(module, "RESULTS_JSON", tmp_path / "bench" / "results.json")
    return module, tmp_path


def test_a_run_after_a_run_names_the_bare_commit(bench):
    module, repo = bench
    clean = module.git_commit()
    assert clean and "+" not in clean
    module.RESULTS_MD.write_text("the first run's table\n")
    module.RESULTS_JSON.write_text("{}\n")
    assert module.git_commit() == clean


def test_changed_code_is_named(bench):
    module, repo = bench
    clean = module.git_commit()
    (repo / "bench" / "vote.lua").write_text("changed\n")
    assert module.git_commit() == f"{clean}+changes"
