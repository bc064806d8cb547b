"""The import graph runs one way: no package of newsclean imports one that imports it back, and
no engine module imports a stage, the job or the report (an engine is a pure executor)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "newsclean"
#: What an executor must not know: the stages, the job, the report (and what runs them).
NOT_THE_ENGINES = ("normalize", "repair", "dedup", "job", "report", "pipeline", "shards", "spool", "options")


def imported(path: Path, package: tuple[str, ...] = ()) -> set[str]:
    """The newsclean modules ``path`` imports, named from the newsclean package; ``package`` is
    where ``path`` lies in it (for its relative imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ((node.module,) if node.module else ()))
            elif (node.module or "").startswith("newsclean"):
                base = node.module.removeprefix("newsclean").removeprefix(".")
            else:
                continue
            names.update([base] if base else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("newsclean.") for a in node.names if a.name.startswith("newsclean."))
    return names


def package_graph() -> dict[str, set[str]]:
    """Which of newsclean's top-level modules and packages each imports (within a package: none)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).parent.parts
        unit = where[0] if where else path.stem
        graph.setdefault(unit, set()).update(
            n.split(".")[0] for n in imported(path, where) if n and n.split(".")[0] != unit)
    return graph


def test_no_engine_module_imports_a_stage_the_job_or_the_report():
    modules = sorted((PACKAGE / "engine").glob("*.py"))
    assert len(modules) >= 3
    found = {p.name: sorted(n for n in imported(p, ("engine",)) if n.split(".")[0] in NOT_THE_ENGINES)
             for p in modules}
    assert found == {p.name: [] for p in modules}


def test_no_package_imports_one_that_imports_it_back():
    graph = package_graph()
    done: set[str] = set()

    def below(unit: str, path: tuple[str, ...]) -> None:
        assert unit not in path, " -> ".join(path + (unit,))
        if unit not in done:
            for other in sorted(graph.get(unit, ())):
                below(other, path + (unit,))
            done.add(unit)

    assert {"engine", "job", "dedup", "pipeline"} <= graph.keys()
    for unit in sorted(graph):
        below(unit, ())


def test_the_import_check_sees_imports_from_above(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from ..dedup.prints import PrintTable\nfrom .. import job\nimport newsclean.report\n"
                      "from . import local\nfrom newsclean.io import InputError\n")
    assert imported(module, ("engine",)) == {"dedup.prints", "job", "report", "engine", "io"}
