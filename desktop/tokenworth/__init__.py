"""Tokenworth: a private desktop journal for your AI usage."""

__version__ = "0.1.0"
APP_NAME = "Tokenworth"
