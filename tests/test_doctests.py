"""Every docstring example in the package runs and holds."""
import doctest
import importlib
import pkgutil

import pytest

import newsclean

MODULES = sorted(m.name for m in pkgutil.walk_packages(newsclean.__path__, "newsclean.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent if name != "newsclean.job" else _repository_root())
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def _repository_root():
    from conftest import ROOT
    return ROOT
