"""Visitors: check-in, ID (AAMVA barcode) parsing, screening, badges, watchlists."""
