"""The *tableau de bord* (SPEC H1): counters of the espace structure, each opening the list of
exactly what it counts (counters.py), and the managers' *pilotage* (pilotage.py)."""
from .counters import COUNTERS, Counter, board
from .pilotage import pilotage

__all__ = ["COUNTERS", "Counter", "board", "pilotage"]
