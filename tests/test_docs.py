"""The README carries the generated reference tables as they are now."""

from __future__ import annotations

from c2cvpn.docs import update_readme
from c2cvpn.problems import CODES
from tests.helpers import ROOT


def test_readme_reference_tables_are_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(text) == text, "run: .venv/bin/python -m c2cvpn.docs --write"


def test_readme_lists_every_problem_code() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{code}` |" in text for code in CODES)
