"""Exports of the offer (SPEC J1): where the files written for a user's notifications live
(files.py)."""
