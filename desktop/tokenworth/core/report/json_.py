"""The report model as JSON: headline numbers, chart series and sessions."""

from __future__ import annotations

import json

from tokenworth.core.report.model import Report


def render_json(report: Report) -> str:
    """The whole report model, indented, UTF-8 text (``schema`` names its version)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
