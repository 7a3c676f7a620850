"""One module per source format, plus the registry that recognizes files by content."""
