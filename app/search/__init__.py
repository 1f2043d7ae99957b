"""Searches of the offer (SPEC I): criteria parsed from the URL, one scoped query per page."""
