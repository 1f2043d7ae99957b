"""Exports of the offer (SPEC J1): the search's sessions as Excel (excel.py), the scoped selection
any export reads (selection.py), the search's criteria in words (describe.py) and where the files
written for a user's notifications live (files.py)."""
