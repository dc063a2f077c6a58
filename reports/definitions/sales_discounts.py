"""Report module (being written)."""
