"""Shared fixtures: every test gets its own data folder and never touches the real one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt aborts without a platform on a headless machine; must be set before Qt loads.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the journal folder and every platformdirs folder at a temporary place."""
    base = tmp_path_factory.mktemp("dirs")
    monkeypatch.setenv("TOKENWORTH_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "xdg-cache"))
    for name in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "TZ"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, empty journal folder."""
    return tmp_path / "journal"


@pytest.fixture
def journal(data_dir: Path):
    """An open, empty journal."""
    from tokenworth.core.store import open_journal

    j = open_journal(data_dir)
    yield j
    j.close()


@pytest.fixture
def sample_dir() -> Path:
    """tests/data, where the real sample files live."""
    return DATA
