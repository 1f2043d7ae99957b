"""Who may see or change what: permission vocabulary, roles as code, row-level scope."""
