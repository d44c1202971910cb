"""The layout rules, checked on the source: gradio only at the edges, imports flowing one way, no cycles,
no sys.path edits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness import ROOT, SPACES

PACKAGES = {
    "bankbot": SPACES / "bank_bot" / "bankbot",
    "braintumor": SPACES / "tumor_detect" / "braintumor",
    "voiceclean": SPACES / "noise_removal" / "voiceclean",
    "shared": ROOT / "shared",
}
# The only package modules that may import gradio: each Space's adapters, its gradio components, shared UI.
GRADIO_ALLOWED = {
    "bankbot.handlers",
    "braintumor.handlers",
    "voiceclean.handlers",
    "shared.ui",
    "bankbot.ui",
    "braintumor.ui",
}


def module_files() -> dict[str, Path]:
    mods = {}
    for pkg, folder in PACKAGES.items():
        for f in sorted(folder.rglob("*.py")):
            rel = f.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            mods[".".join([pkg, *parts])] = f
    return mods


def imports_of(path: Path, module: str) -> set[str]:
    """Every module imported anywhere in the file (top level or inside functions), made absolute."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


MODULES = module_files()
GRAPH = {m: {i for i in imports_of(f, m) if i in MODULES and i != m} for m, f in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_gradio_only_in_adapters(module):
    uses_gradio = any(i == "gradio" or i.startswith("gradio.") for i in imports_of(MODULES[module], module))
    assert not uses_gradio or module in GRADIO_ALLOWED, f"{module} imports gradio; move that code to handlers.py"


def test_imports_flow_one_way():
    """shared imports no Space package; no Space package imports another."""
    for module, deps in GRAPH.items():
        top = module.split(".")[0]
        for dep in deps:
            other = dep.split(".")[0]
            assert other in (top, "shared"), f"{module} imports {dep}"


def test_no_import_cycles():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for dep in sorted(GRAPH[m]):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep) :] + [dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_no_sys_path_edits():
    offenders = []
    for f in [
        *ROOT.glob("*.py"),
        *ROOT.glob("scripts/*.py"),
        *SPACES.rglob("*.py"),
        *ROOT.glob("tests/**/*.py"),
        *ROOT.glob("shared/*.py"),
    ]:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"insert", "append", "extend"}:
                target = node.value
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "path"
                    and getattr(target.value, "id", "") == "sys"
                ):
                    offenders.append(str(f.relative_to(ROOT)))
    assert not offenders, f"sys.path edited in {sorted(set(offenders))}; the editable install makes it unnecessary"


def test_shared_init_stays_light():
    """Importing shared must stay cheap, and `spaces` must be importable before torch."""
    assert not imports_of(ROOT / "shared" / "__init__.py", "shared")
