"""The window: Qt widgets, table models, charts, workers and dialogs (the only Qt code)."""
