"""Plumbing every app's pages and exports share (no app's models or rules live here)."""
