"""Where the files the app reads at run time live: bundle, source checkout or installed data."""

from __future__ import annotations

import functools
import sys
import sysconfig
from pathlib import Path

# Reverse-DNS id: the .desktop file, AppStream metainfo, icons, Flatpak and macOS bundle use it.
APP_ID = "io.github.tokenworth.Tokenworth"
# The window icon's PNG sizes in resources/icons (packaging/make_icons.py renders them).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Where a wheel puts the resources (pyproject's [tool.setuptools.data-files]), under the
# install scheme's data folder: sys.prefix for a venv, /app in a Flatpak, ~/.local for --user.
DATA_SUBDIR = ("share", "tokenworth", "resources")


def _candidates() -> list[Path]:
    """Folders that may hold the resources, most specific first."""
    found: list[Path] = []
    # 1. A PyInstaller bundle unpacks its data next to the code, in sys._MEIPASS.
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    # 2. A source checkout or editable install: <repo>/desktop/tokenworth/resources.py, so the
    #    repository's resources/ is two folders up. The desktop/ check keeps a stray
    #    "resources" folder next to site-packages from being mistaken for ours.
    here = Path(__file__).resolve().parent
    if here.parent.name == "desktop":
        found.append(here.parent.parent / "resources")
    # 3. Installed from a wheel: the data files of this interpreter's install schemes.
    for key in ("prefix", "user"):
        try:
            data = sysconfig.get_path("data", sysconfig.get_preferred_scheme(key))
        except KeyError:  # no such scheme on this platform
            continue
        found.append(Path(data).joinpath(*DATA_SUBDIR))
    return found


@functools.lru_cache(maxsize=1)
def resources_root() -> Path:
    """The first folder that holds Tokenworth's resources.

    Raises:
        FileNotFoundError: No candidate folder has the price table; the install is broken.
    """
    candidates = _candidates()
    for folder in candidates:
        # The price table is always shipped; a folder without it is not ours.
        if (folder / "prices" / "prices.json").is_file():
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"Tokenworth's resource files are missing (looked in: {looked}). Reinstall Tokenworth."
    )


def resource_path(*parts: str) -> Path:
    """The path of a shipped resource, e.g. ``resource_path("prices", "prices.json")``.

    Looks in a PyInstaller bundle (``sys._MEIPASS/resources``), then the repository's
    ``resources/`` next to ``desktop/`` (source checkout, editable install), then the data
    folder a wheel installs into (``<prefix>/share/tokenworth/resources``).

    Args:
        *parts: Path components below the resources folder; none gives the folder itself.

    Returns:
        The path; it is not checked that this particular file exists.

    Raises:
        FileNotFoundError: The resources folder itself cannot be found.
    """
    return resources_root().joinpath(*parts)


def app_icon_files() -> list[Path]:
    """The window icon at every shipped size, smallest first (for ``QIcon.addFile``)."""
    return [resource_path("icons", f"tokenworth-{size}.png") for size in ICON_SIZES]
