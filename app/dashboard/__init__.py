"""The *tableau de bord* (SPEC H1): counters of the espace structure, each opening the list of
exactly what it counts (counters.py: `board`, `COUNTERS`), and the managers' *pilotage*
(pilotage.py: `pilotage`)."""
