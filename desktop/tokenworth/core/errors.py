"""Errors that carry one sentence for the person using the app."""


class TokenworthError(Exception):
    """A problem the user can act on; ``str(err)`` is shown as it is."""


class JournalError(TokenworthError):
    """The journal file cannot be used (newer version, corrupt, locked, not ours)."""


class InputError(TokenworthError):
    """A value given by the user is not acceptable (bad date, value out of range...)."""
