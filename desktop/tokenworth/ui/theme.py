"""Light and dark palettes that follow the system, and one colour per tool everywhere."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

THEME_ENV = "TOKENWORTH_THEME"  # "light", "dark" or "system" (the default)

# Chosen to stay apart from each other on white and on near-black backgrounds.
TOOL_COLORS = {
    "claude-code": "#E07A5F",
    "claude-ai": "#C2643F",
    "anthropic-api": "#B5563A",
    "codex": "#2A9D8F",
    "openai-api": "#1F7A6F",
    "gemini-cli": "#4C8BF5",
    "copilot-cli": "#9B6BDF",
    "cursor": "#E9B949",
    "chatgpt": "#D6609A",
    "openrouter": "#6C8EBF",
    "manual": "#8D99AE",
}
_SPARE_COLORS = ("#A3785B", "#5DA9A6", "#C06C84", "#7A9E45", "#B58DB6", "#D08C60")


def tool_color(tool: str) -> QColor:
    """The colour of ``tool`` in the table, the panel, the legend and the charts."""
    known = TOOL_COLORS.get(tool)
    if known:
        return QColor(known)
    # A stable colour for tools this version does not know (hash, not Python's hash()).
    digest = hashlib.sha1(tool.encode("utf-8")).digest()
    return QColor(_SPARE_COLORS[digest[0] % len(_SPARE_COLORS)])


_ICONS: dict[tuple[str, int], QIcon] = {}


def tool_icon(tool: str, size: int = 10) -> QIcon:
    """A filled dot in the tool's colour, cached."""
    key = (tool, size)
    icon = _ICONS.get(key)
    if icon is None:
        pix = QPixmap(size * 2, size * 2)
        pix.setDevicePixelRatio(2.0)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(tool_color(tool))
            painter.drawEllipse(1, 1, size - 2, size - 2)
        finally:
            painter.end()
        icon = QIcon(pix)
        # The same dot on a selected row (Qt would otherwise tint it into the highlight).
        icon.addPixmap(pix, QIcon.Mode.Selected)
        _ICONS[key] = icon
    return icon


@dataclass(frozen=True, slots=True)
class Colors:
    """The few colours the app draws with itself, for one scheme."""

    window: str
    base: str
    alternate: str
    text: str
    dim: str
    highlight: str
    highlight_text: str
    border: str
    plot_background: str
    plot_foreground: str
    grid_alpha: float
    value: str  # the filled rating dots


LIGHT = Colors(
    window="#F3F3F1",
    base="#FFFFFF",
    alternate="#F8F8F6",
    text="#1F2328",
    dim="#6E7781",
    highlight="#2F6FEB",
    highlight_text="#FFFFFF",
    border="#D0D7DE",
    plot_background="#FFFFFF",
    plot_foreground="#3B4048",
    grid_alpha=0.18,
    value="#C9822B",
)
DARK = Colors(
    window="#1E1F22",
    base="#26282C",
    alternate="#2B2D31",
    text="#E6E6E6",
    dim="#9198A1",
    highlight="#3D6FD9",
    highlight_text="#FFFFFF",
    border="#3D4047",
    plot_background="#26282C",
    plot_foreground="#C9CDD2",
    grid_alpha=0.22,
    value="#E8A94B",
)


def _palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, QColor(c.window))
    p.setColor(role.WindowText, QColor(c.text))
    p.setColor(role.Base, QColor(c.base))
    p.setColor(role.AlternateBase, QColor(c.alternate))
    p.setColor(role.ToolTipBase, QColor(c.base))
    p.setColor(role.ToolTipText, QColor(c.text))
    p.setColor(role.PlaceholderText, QColor(c.dim))
    p.setColor(role.Text, QColor(c.text))
    p.setColor(role.Button, QColor(c.window))
    p.setColor(role.ButtonText, QColor(c.text))
    p.setColor(role.BrightText, QColor("#FF5A5A"))
    p.setColor(role.Highlight, QColor(c.highlight))
    p.setColor(role.HighlightedText, QColor(c.highlight_text))
    p.setColor(role.Link, QColor(c.highlight).lighter(120 if c is DARK else 100))
    p.setColor(role.Mid, QColor(c.border))
    p.setColor(role.Midlight, QColor(c.alternate))
    p.setColor(role.Dark, QColor(c.border).darker(130))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor(c.dim))
    return p


class Theme(QObject):
    """The current colour scheme; follows the system unless forced.

    Args:
        app: The running application (its palette is set here).
        forced: "light" or "dark" to ignore the system; None or "system" to follow it.
            Defaults to the ``TOKENWORTH_THEME`` environment variable.
        parent: The owning QObject, if any.
    """

    changed = Signal()

    def __init__(
        self, app: QApplication, forced: str | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._app = app
        if forced is None:
            forced = os.environ.get(THEME_ENV, "system")
        forced = forced.strip().lower()
        self._forced = forced if forced in ("light", "dark") else None
        self.dark = False
        app.styleHints().colorSchemeChanged.connect(self._system_changed)
        self.apply()

    @property
    def mode(self) -> str:
        """ "light", "dark" or "system"."""
        return self._forced or "system"

    def set_mode(self, mode: str) -> None:
        """Force "light" or "dark", or follow the system again with "system"."""
        mode = mode.strip().lower()
        self._forced = mode if mode in ("light", "dark") else None
        self.apply()

    @property
    def colors(self) -> Colors:
        """The colours of the scheme in use."""
        return DARK if self.dark else LIGHT

    def _system_scheme_is_dark(self) -> bool:
        return self._app.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def _wants_dark(self) -> bool:
        if self._forced is not None:
            return self._forced == "dark"
        return self._system_scheme_is_dark()

    def _system_changed(self, _scheme: object) -> None:
        if self._forced is None and self._wants_dark() != self.dark:
            self.apply()

    def apply(self) -> None:
        """Set the application's palette for the wanted scheme and announce it."""
        self.dark = self._wants_dark()
        self._app.setPalette(_palette(self.colors))
        self.changed.emit()
