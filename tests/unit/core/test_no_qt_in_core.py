"""The core must not know Qt exists: importing every core module loads no Qt module."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tokenworth.core


def test_core_modules_import_no_qt() -> None:
    names = [
        m.name for m in pkgutil.walk_packages(tokenworth.core.__path__, prefix="tokenworth.core.")
    ]
    assert "tokenworth.core.store.journal" in names
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "import tokenworth.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'numpy'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
