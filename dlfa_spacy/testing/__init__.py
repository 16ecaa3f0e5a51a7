"""Offline test tooling: tiny local encoders and their deterministic WordPiece vocabulary; not part of the user CLI."""
