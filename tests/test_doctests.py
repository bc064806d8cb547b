"""Every docstring example in the package and in the helpers the tests share with the
benchmarks runs and holds, and every module has one."""
import doctest
import importlib
import pkgutil

import pytest

import newsclean

MODULES = sorted(m.name for m in pkgutil.walk_packages(newsclean.__path__, "newsclean.")
                 if not m.name.endswith("__main__"))
#: benchmarks/ modules the tests import too (setup.cfg puts them on the path).
HELPERS = ["damage", "edited", "similar_pairs"]

_PACKAGE = "a package's names, imported from its modules, which hold the examples"
#: The modules that have no example, each with the reason.  Any other module must have one.
WITHOUT_EXAMPLES = {
    "newsclean.dedup": _PACKAGE,
    "newsclean.io": _PACKAGE,
    "newsclean.normalize": _PACKAGE,
    "newsclean.repair": _PACKAGE,
    "newsclean.report": _PACKAGE,
    "newsclean.engine.ray_engine": "needs a Ray cluster, seconds to start: tests/test_engines.py runs it",
    "newsclean.dedup.ray_cluster": "runs on a Ray cluster only: tests/test_engines.py runs it",
    "newsclean.repair.render": "renders a plan only the repairer makes: repairer.py's examples run it",
}


@pytest.mark.parametrize("name", MODULES + HELPERS)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent if name != "newsclean.job" else _repository_root())
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name in WITHOUT_EXAMPLES:
        assert result.attempted == 0, f"{name} has examples now: take it off WITHOUT_EXAMPLES"
    else:
        assert result.attempted > 0, f"{name} has no docstring example"


def test_the_modules_excused_from_examples_exist():
    assert set(WITHOUT_EXAMPLES) <= set(MODULES)


def _repository_root():
    from conftest import ROOT
    return ROOT
