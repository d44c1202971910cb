"""Every Space folder is a valid, independently deployable Space."""

from __future__ import annotations

import ast
import re

import pytest
from huggingface_hub import SpaceCard

from harness import ROOT, SPACE_NAMES, SPACES, pins, requirement_lines

COLOURS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
MANAGED_BY_SPACES = {"gradio", "spaces", "huggingface_hub", "huggingface-hub"}


def pinned_gradio() -> str:
    return pins(ROOT / "requirements-serve.txt")["gradio"]


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_card_front_matter(name):
    card = SpaceCard.load(SPACES / name / "README.md")
    data = card.data.to_dict()
    assert data["sdk"] == "gradio"
    assert str(data["sdk_version"]) == pinned_gradio()
    assert data["python_version"] == "3.11"  # a string: 3.11 unquoted would parse as 3.11 float
    assert data["app_file"] == "app.py"
    assert 0 < len(data["short_description"]) <= 60
    assert data.get("license")
    assert isinstance(data.get("tags"), list) and data["tags"]
    assert data.get("title") and data.get("emoji")
    for key in ("colorFrom", "colorTo"):
        assert data.get(key, "gray") in COLOURS
    for key in ("models", "datasets"):
        assert isinstance(data.get(key, []), list)
    assert len(card.text.strip()) > 400, "the card body should explain the demo to a non-developer"


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_requirements_leave_out_what_spaces_provides(name):
    lines = requirement_lines(SPACES / name / "requirements.txt")
    names = {re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower() for line in lines}
    assert not names & MANAGED_BY_SPACES
    for line in lines:
        assert re.search(r"[<>=~]", line), f"{name}: unpinned requirement {line!r}"


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_space_pins_are_what_make_serve_installs(name):
    """A Space's exact pins are the versions the whole suite runs on (requirements-serve.txt), so what is tested
    locally is what a Space installs."""
    serve = pins(ROOT / "requirements-serve.txt")
    for package, version in pins(SPACES / name / "requirements.txt").items():
        assert serve.get(package) == version, f"{name} pins {package}=={version}, make serve {serve.get(package)}"


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_spaces_with_torch_take_it_from_the_cpu_wheel_index(name):
    """PyPI's Linux torch wheel is the multi-GB CUDA build: a Space that needs torch (on a CPU Space) names the CPU
    wheel index and pins the version the suite runs on."""
    text = (SPACES / name / "requirements.txt").read_text()
    if "torch" not in pins(SPACES / name / "requirements.txt"):
        assert not re.search(r"^torch\b", text, re.M), f"{name}: torch without an exact pin"
        return
    assert re.search(r"^--extra-index-url https://download.pytorch.org/whl/cpu$", text, re.M)
    assert pins(SPACES / name / "requirements.txt")["torch"] == pins(ROOT / "requirements-serve.txt")["torch"]


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_app_has_factory_and_module_level_demo(name):
    tree = ast.parse((SPACES / name / "app.py").read_text())
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert "build_demo" in functions and "demo" in assigned


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_examples_are_shipped(name):
    examples = [p for p in (SPACES / name / "examples").iterdir() if p.is_file()]
    assert examples


def test_no_package_shadows_huggingface_spaces():
    assert not (SPACES / "__init__.py").exists()


def _local_imports(name: str) -> set[str]:
    """Top-level names app.py imports from its own Space folder."""
    tree = ast.parse((SPACES / name / "app.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    folder = SPACES / name
    return {n for n in names if (folder / f"{n}.py").exists() or (folder / n / "__init__.py").exists()}


def test_space_modules_do_not_collide():
    """All three apps load into one process: the modules they import must have distinct names."""
    seen: dict[str, str] = {}
    for name in SPACE_NAMES:
        for module in _local_imports(name):
            assert module not in seen, f"{module} is imported by both {seen[module]} and {name}"
            seen[module] = name
