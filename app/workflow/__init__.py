"""State changes as small commands; each validates, then runs in one transaction."""
