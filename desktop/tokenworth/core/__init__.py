"""Everything that is not the window: parsing, storage, sessions, analytics. No Qt here."""
