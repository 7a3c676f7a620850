"""Packaging files: desktop entry, AppStream, icons, Flatpak, PyInstaller spec, self-test."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import tokenworth
from tokenworth.resources import APP_ID, ICON_SIZES

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
HICOLOR = PACKAGING / "icons" / "hicolor"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
SPEC = PACKAGING / "tokenworth.spec"
FLATPAK = PACKAGING / "flatpak" / f"{APP_ID}.json"
INNO = PACKAGING / "windows" / "tokenworth.iss"

needs_desktop_validate = pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (apt-get install desktop-file-utils)",
)
needs_appstreamcli = pytest.mark.skipif(
    shutil.which("appstreamcli") is None,
    reason="appstreamcli is not installed (apt-get install appstream)",
)


def _desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _validate(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


# Desktop entry ---------------------------------------------------------------------------


@needs_desktop_validate
def test_desktop_file_is_valid() -> None:
    result = _validate(["desktop-file-validate", str(DESKTOP_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_desktop_file_names_the_app_and_its_icon() -> None:
    entry = _desktop_entry(DESKTOP_FILE)
    assert entry["Name"] == tokenworth.APP_NAME
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == entry["TryExec"] == "tokenworth"
    assert "%F" in entry["Exec"]  # files given to a running window (single instance)
    # Qt sets WM_CLASS's class to the application name; the menu entry matches windows by it.
    assert entry["StartupWMClass"] == tokenworth.APP_NAME


# AppStream -------------------------------------------------------------------------------


@needs_appstreamcli
def test_metainfo_is_valid() -> None:
    result = _validate(["appstreamcli", "validate", "--no-net", "--no-color", str(METAINFO)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_has_what_software_centres_need() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == tokenworth.APP_NAME
    assert root.findtext("project_license") == "MIT"
    launchable = root.find("launchable")
    assert launchable is not None and launchable.text == DESKTOP_FILE.name
    assert root.find("description/p") is not None
    assert root.find("screenshots/screenshot[@type='default']/image") is not None
    assert root.find("content_rating").get("type") == "oars-1.1"  # type: ignore[union-attr]
    versions = [r.get("version") for r in root.findall("releases/release")]
    assert tokenworth.__version__ in versions, "add a <release> for the package version"


# Icons -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", HICOLOR_SIZES)
def test_hicolor_png_has_its_size(size: int) -> None:
    path = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert _png_size(path) == (size, size)


@pytest.mark.parametrize("size", ICON_SIZES)
def test_runtime_icon_png_has_its_size(size: int) -> None:
    path = ROOT / "resources" / "icons" / f"tokenworth-{size}.png"
    assert _png_size(path) == (size, size)


def test_scalable_icon_is_the_source_svg() -> None:
    source = ROOT / "resources" / "icons" / "tokenworth.svg"
    scalable = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == source.read_bytes(), "run `make icons`"
    assert ET.fromstring(source.read_bytes()).tag.endswith("svg")


def test_windows_and_mac_icons_hold_the_sizes() -> None:
    ico = (PACKAGING / "icons" / "tokenworth.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {ico[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
    icns = (PACKAGING / "icons" / "tokenworth.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    kinds, at = set(), 8
    while at < len(icns):
        kinds.add(icns[at : at + 4])
        at += struct.unpack(">I", icns[at + 4 : at + 8])[0]
    assert {b"icp4", b"ic07", b"ic08", b"ic09", b"ic10"} <= kinds


# Flatpak ---------------------------------------------------------------------------------


def test_flatpak_manifest_parses_and_has_no_network() -> None:
    manifest = json.loads(FLATPAK.read_text(encoding="utf-8"))
    assert manifest["id"] == APP_ID
    assert manifest["runtime"] == "org.kde.Platform"
    assert manifest["base"] == "io.qt.PySide.BaseApp"
    assert manifest["runtime-version"] == manifest["base-version"]
    assert manifest["command"] == "tokenworth"
    assert "--share=network" not in manifest["finish-args"]
    assert "--share=network" not in json.dumps(manifest)  # not even while building
    assert not any(
        a.startswith(("--filesystem=home", "--filesystem=host")) for a in manifest["finish-args"]
    ), "read only the AI tools' log folders"


def test_flatpak_sources_are_pinned_and_files_exist() -> None:
    manifest = json.loads(FLATPAK.read_text(encoding="utf-8"))
    for module in manifest["modules"]:
        for source in module["sources"]:
            if "url" in source:
                assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"]), source["url"]
        for command in module["build-commands"]:
            for path in re.findall(r"packaging/\S+", command):
                assert (ROOT / path).exists(), f"{module['name']} installs missing {path}"


# PyInstaller spec ------------------------------------------------------------------------


def _spec_lists() -> dict[str, list[str]]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("QT_MODULES", "QT_EXCLUDES", "DROP") and isinstance(
                node.value, ast.List | ast.Tuple
            ):
                found[name] = [ast.literal_eval(e) for e in node.value.elts]
    return found


def test_spec_keeps_only_the_qt_modules_the_app_uses() -> None:
    lists = _spec_lists()
    kept, excluded = set(lists["QT_MODULES"]), set(lists["QT_EXCLUDES"])
    assert {"QtCore", "QtGui", "QtWidgets", "QtSvg", "QtPrintSupport", "QtNetwork"} <= kept
    assert not kept & excluded
    big = {"QtWebEngineCore", "QtQml", "QtQuick", "QtMultimedia", "Qt3DCore", "QtPdf"}
    assert big <= excluded
    assert "excludes=EXCLUDES" in SPEC.read_text(encoding="utf-8")


def test_every_qt_module_the_package_imports_is_in_the_bundle() -> None:
    used = set()
    for path in (ROOT / "desktop" / "tokenworth").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
        used |= {
            m
            for line in re.findall(r"from PySide6 import ([^\n]+)", path.read_text("utf-8"))
            for m in re.findall(r"Qt\w+", line)
        }
    missing = used - set(_spec_lists()["QT_MODULES"])
    assert not missing, f"add {sorted(missing)} to QT_MODULES in packaging/tokenworth.spec"


def test_spec_drops_network_plugins_and_has_the_mac_bundle() -> None:
    assert "/plugins/tls/" in _spec_lists()["DROP"]
    text = SPEC.read_text(encoding="utf-8")
    assert "BUNDLE(" in text and "bundle_identifier=APP_ID" in text
    assert f'APP_ID = "{APP_ID}"' in text
    for key in ("CFBundleShortVersionString", "NSHighResolutionCapable", "LSMinimumSystemVersion"):
        assert f'"{key}"' in text


def test_inno_setup_installs_per_user_without_admin() -> None:
    text = INNO.read_text(encoding="utf-8")
    assert re.search(r"^PrivilegesRequired=lowest$", text, re.M)
    assert f'#define AppId "{APP_ID}"' in text
    icon = re.search(r"^SetupIconFile=(.+)$", text, re.M)
    assert icon and (ROOT / icon.group(1).replace("\\", "/")).is_file()


# install-desktop.sh ----------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="a Linux shell script")
@needs_desktop_validate
def test_install_desktop_adds_a_valid_menu_entry_and_removes_it(tmp_path: Path) -> None:
    bundle = tmp_path / 'my "apps" $x' / "Tokenworth"  # quoting must survive this
    (bundle / "share" / "applications").mkdir(parents=True)
    (bundle / "share" / "metainfo").mkdir()
    shutil.copy(DESKTOP_FILE, bundle / "share" / "applications")
    shutil.copy(METAINFO, bundle / "share" / "metainfo")
    shutil.copytree(HICOLOR, bundle / "share" / "icons" / "hicolor")
    shutil.copy(LINUX / "install-desktop.sh", bundle)
    exe = bundle / "tokenworth"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    data = tmp_path / "xdg-data"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)}

    subprocess.run(
        ["sh", str(bundle / "install-desktop.sh")], env=env, check=True, capture_output=True
    )
    installed = data / "applications" / DESKTOP_FILE.name
    result = _validate(["desktop-file-validate", str(installed)])
    assert result.returncode == 0, result.stdout
    entry = _desktop_entry(installed)
    escaped = str(exe).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    assert entry["Exec"] == f'"{escaped.replace(chr(92), chr(92) * 2)}" gui %F'
    assert entry["TryExec"] == str(exe)
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    assert (data / "metainfo" / METAINFO.name).is_file()

    subprocess.run(
        ["sh", str(bundle / "install-desktop.sh"), "--uninstall"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert not installed.exists()
    assert not list((data / "icons").rglob(f"{APP_ID}.*"))


# The self-test ---------------------------------------------------------------------------


def _self_test(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180
    )


def test_self_test_passes_with_one_line_per_step() -> None:
    result = _self_test("import sys, tokenworth.selftest as t; sys.exit(t.run_self_test())")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    steps = [line.split(":")[1].strip() for line in lines[:-1]]
    assert all(line.startswith("ok: ") for line in lines[:-1]), result.stdout
    for step in ("journal", "import", "window", "report", "single instance"):
        assert step in steps
    assert lines[-1].startswith("self-test passed:")


def test_self_test_fails_when_the_sample_is_missing() -> None:
    code = (
        "import sys, tokenworth.selftest as t\n"
        "t.SAMPLE = ('selftest', 'no-such-file.jsonl')\n"
        "sys.exit(t.run_self_test())\n"
    )
    result = _self_test(code)
    assert result.returncode == 1
    assert "FAILED: resources: missing" in result.stdout
    assert "FAILED: import: not run, an earlier step failed" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("self-test FAILED:")
