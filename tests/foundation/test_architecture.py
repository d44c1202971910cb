"""The layout rules, checked on the source: gradio only at the edges, imports flowing one way, no cycles, bank_bot's
folders layered by capability, every package folder installed, no sys.path edits."""

from __future__ import annotations

import ast
import re
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
GRADIO_ALLOWED |= {"braintumor.tools", "voiceclean.tools", "bankbot.tools", "shared.mcp_files"}  # API/MCP adapters


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


# bank_bot's package by capability. Each folder may import only the folders named here (and the package's ground:
# SPACE_DIR in bankbot/__init__.py, the model spec and pins in bankbot/model_spec.py, which import no other module);
# only the Space's faces (served.py, handlers.py, tools.py, ui.py) import the faces below them. The conversation
# knows no company bot, the models know no conversation, and the languages know none of them.
BANKBOT_FOLDERS = {
    "languages": set(),
    "models": {"languages"},
    "conversation": {"models", "languages"},
    "company": {"conversation", "models", "languages"},
}
BANKBOT_GROUND = {"bankbot", "bankbot.model_spec"}
BANKBOT_FACES = ["bankbot.served", "bankbot.handlers", "bankbot.tools", "bankbot.ui"]  # each may import those before it


def bankbot_place(module: str) -> str | None:
    """'ground', a face's module name, a folder of BANKBOT_FOLDERS, or None (no place in the plan)."""
    if module in BANKBOT_GROUND:
        return "ground"
    if module in BANKBOT_FACES:
        return module
    folder = module.split(".")[1] if module.startswith("bankbot.") else None
    return folder if folder in BANKBOT_FOLDERS else None


def bankbot_may_import(place: str, dep_place: str) -> bool:
    if dep_place == "ground":
        return True
    if place == "ground":
        return False
    if place in BANKBOT_FACES:
        return dep_place in BANKBOT_FOLDERS or BANKBOT_FACES.index(dep_place) < BANKBOT_FACES.index(place)
    return dep_place == place or dep_place in BANKBOT_FOLDERS[place]


def bankbot_layer_breaks(graph: dict[str, set[str]]) -> list[str]:
    """Every import in bank_bot's package that its layers forbid, and every module with no place in them."""
    breaks = []
    for module, deps in sorted(graph.items()):
        if module != "bankbot" and not module.startswith("bankbot."):
            continue
        place = bankbot_place(module)
        if place is None:
            breaks.append(f"{module} has no place: put it in a folder of BANKBOT_FOLDERS")
            continue
        for dep in sorted(deps):
            dep_place = bankbot_place(dep)
            if dep_place is not None and not bankbot_may_import(place, dep_place):
                breaks.append(f"{module} imports {dep}")
    return breaks


def test_bankbot_folders_import_only_the_layers_below():
    breaks = bankbot_layer_breaks(GRAPH)
    assert not breaks, "bank_bot's layers broken:\n" + "\n".join(breaks)


def test_bankbot_layer_rule_catches_an_upward_import_and_a_module_out_of_place():
    """The rule itself: an import from the models into the conversation, a conversation module that reaches a
    company bot or a face, and a new flat module are each reported, and nothing else is."""
    broken = {m: set(d) for m, d in GRAPH.items()}
    broken["bankbot.models.model"].add("bankbot.conversation.policy")
    broken["bankbot.conversation.bot"].update({"bankbot.company.folder", "bankbot.served"})
    broken["bankbot.helpers"] = set()
    assert bankbot_layer_breaks(broken) == [
        "bankbot.conversation.bot imports bankbot.company.folder",
        "bankbot.conversation.bot imports bankbot.served",
        "bankbot.helpers has no place: put it in a folder of BANKBOT_FOLDERS",
        "bankbot.models.model imports bankbot.conversation.policy",
    ]


def test_every_package_folder_is_installed():
    """pyproject.toml lists packages one by one: a folder left out would be missing from a non-editable install."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    listed = set(re.findall(r'"([\w.]+)"', re.search(r"^packages = \[(.*?)\]", pyproject, re.S | re.M).group(1)))
    folders = {m for m, f in MODULES.items() if f.name == "__init__.py"}
    assert folders <= listed, f"add {sorted(folders - listed)} to [tool.setuptools] packages in pyproject.toml"


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
