"""The layout, enforced: the domain package never imports the Pulumi side, provider facts are
read from the profiles, and component functions stay short."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

DOMAIN = ROOT / "c2cvpn"
COMPONENTS = ROOT / "components"
#: Only these domain modules may reach the Pulumi side, and only inside a function (lazily).
LAZY_ALLOWED = {"c2cvpn/cli.py", "c2cvpn/demo.py"}
FORBIDDEN = (
    "pulumi",
    "pulumi_aws",
    "pulumi_azure_native",
    "pulumi_gcp",
    "pulumi_random",
    "components",
)
#: Longest function allowed in components/ (the design review's limit).
MAX_COMPONENT_FUNCTION_LINES = 80


def _imports(tree: ast.AST) -> list[tuple[ast.AST, str, bool]]:
    """(node, imported module, at module level?) for every import in a module."""
    found: list[tuple[ast.AST, str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                found.extend((child, alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child, child.module, top))
            visit(child, inner)

    visit(tree, True)
    return found


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f"{f}.") for f in FORBIDDEN)


def _domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def test_domain_modules_never_import_pulumi_or_components() -> None:
    offences = []
    for path in _domain_files():
        rel = path.relative_to(ROOT).as_posix()
        for node, module, top in _imports(ast.parse(path.read_text(), rel)):
            if not _forbidden(module):
                continue
            if rel in LAZY_ALLOWED and not top:
                continue  # the CLI and demo run the mocked engine, imported when asked
            offences.append(f"{rel}:{getattr(node, 'lineno', '?')} imports {module}")
    assert offences == []


def test_the_boundary_check_sees_an_offence() -> None:
    """The check itself: a top-level or lazy pulumi import in a domain module is caught."""
    top = ast.parse("import pulumi\n")
    lazy = ast.parse("def f():\n    from components.program import build\n")
    assert [(m, t) for _, m, t in _imports(top)] == [("pulumi", True)]
    assert [(m, t) for _, m, t in _imports(lazy)] == [("components.program", False)]


def test_importing_every_domain_module_loads_no_pulumi() -> None:
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in _domain_files()
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith(('pulumi.', "
        "'pulumi_', 'components'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "module", ["c2cvpn/rules.py", "c2cvpn/spec.py", "c2cvpn/genesys/desired.py", "c2cvpn/mss.py"]
)
def test_rules_spec_and_desired_state_ask_the_profile(module: str) -> None:
    """Provider facts live in the profiles (c2cvpn/vendors.py): these modules never branch on a
    provider by name."""
    tree = ast.parse((ROOT / module).read_text())
    named = [
        f"{module}:{node.lineno} Provider.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Provider"
    ]
    assert named == []


def test_component_functions_stay_short() -> None:
    long = []
    for path in sorted(COMPONENTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_COMPONENT_FUNCTION_LINES:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({length} lines)")
    assert long == []
