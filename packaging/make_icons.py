"""Render every icon file from resources/icons/tokenworth.svg with Qt's SVG renderer.

Writes the sizes the app loads at run time (resources/icons/tokenworth-<N>.png), the hicolor
theme tree for Linux (packaging/icons/hicolor/), a Windows .ico and a macOS .icns. Run it
after changing the SVG: ``make icons`` (or ``.venv/bin/python packaging/make_icons.py``).
No tool beyond PySide6 is needed: ICO and ICNS files hold PNG images, written here by hand.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "tokenworth.svg"
APP_ID = "io.github.tokenworth.Tokenworth"

RUNTIME_SIZES = (16, 24, 32, 48, 64, 128, 256)
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (1024 is 512@2x).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon drawn at ``size`` x ``size`` pixels on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
    finally:
        painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon file holding one PNG image per size (read by Vista and later)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, payload = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon file holding PNG images (the element types above)."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (creating folders), leaving an identical file untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def main() -> int:
    """Render all icon files; returns 0, or 1 when the SVG cannot be read."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"make_icons: {SOURCE} is not a valid SVG.", file=sys.stderr)
        return 1
    sizes = sorted({*RUNTIME_SIZES, *HICOLOR_SIZES, *ICO_SIZES, *(s for _, s in ICNS_TYPES)})
    pngs = {size: png_bytes(render(renderer, size)) for size in sizes}

    for size in RUNTIME_SIZES:
        write(ROOT / "resources" / "icons" / f"tokenworth-{size}.png", pngs[size])
    hicolor = ROOT / "packaging" / "icons" / "hicolor"
    for size in HICOLOR_SIZES:
        write(hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png", pngs[size])
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    write(
        ROOT / "packaging" / "icons" / "tokenworth.ico", ico_bytes({s: pngs[s] for s in ICO_SIZES})
    )
    write(ROOT / "packaging" / "icons" / "tokenworth.icns", icns_bytes(pngs))
    del app
    print(
        f"make_icons: wrote {len(RUNTIME_SIZES) + len(HICOLOR_SIZES) + 3} files from {SOURCE.name}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
