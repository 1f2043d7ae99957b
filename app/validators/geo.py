"""Geographic code lists used by the rules (NDA prefix, lieu outside the region).

Embedded rather than read at runtime so that the validators stay pure; regenerate from
/work/shared/refdata/geo/departements-regions-academies.csv (2016 INSEE regions) and
regions-2007-insee-anciennes.csv (pre-2016 regions, still found in old NDAs) when INSEE changes.
"""

from __future__ import annotations

REGIONS_2016: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}
REGIONS_2007: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "11": "Île-de-France",
    "21": "Champagne-Ardenne",
    "22": "Picardie",
    "23": "Haute-Normandie",
    "24": "Centre",
    "25": "Basse-Normandie",
    "26": "Bourgogne",
    "31": "Nord-Pas-de-Calais",
    "41": "Lorraine",
    "42": "Alsace",
    "43": "Franche-Comté",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "54": "Poitou-Charentes",
    "72": "Aquitaine",
    "73": "Midi-Pyrénées",
    "74": "Limousin",
    "82": "Rhône-Alpes",
    "83": "Auvergne",
    "91": "Languedoc-Roussillon",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}
DEPARTEMENT_REGION: dict[str, str] = {
    "01": "84",
    "02": "32",
    "03": "84",
    "04": "93",
    "05": "93",
    "06": "93",
    "07": "84",
    "08": "44",
    "09": "76",
    "10": "44",
    "11": "76",
    "12": "76",
    "13": "93",
    "14": "28",
    "15": "84",
    "16": "75",
    "17": "75",
    "18": "24",
    "19": "75",
    "21": "27",
    "22": "53",
    "23": "75",
    "24": "75",
    "25": "27",
    "26": "84",
    "27": "28",
    "28": "24",
    "29": "53",
    "2A": "94",
    "2B": "94",
    "30": "76",
    "31": "76",
    "32": "76",
    "33": "75",
    "34": "76",
    "35": "53",
    "36": "24",
    "37": "24",
    "38": "84",
    "39": "27",
    "40": "75",
    "41": "24",
    "42": "84",
    "43": "84",
    "44": "52",
    "45": "24",
    "46": "76",
    "47": "75",
    "48": "76",
    "49": "52",
    "50": "28",
    "51": "44",
    "52": "44",
    "53": "52",
    "54": "44",
    "55": "44",
    "56": "53",
    "57": "44",
    "58": "27",
    "59": "32",
    "60": "32",
    "61": "28",
    "62": "32",
    "63": "84",
    "64": "75",
    "65": "76",
    "66": "76",
    "67": "44",
    "68": "44",
    "69": "84",
    "70": "27",
    "71": "27",
    "72": "52",
    "73": "84",
    "74": "84",
    "75": "11",
    "76": "28",
    "77": "11",
    "78": "11",
    "79": "75",
    "80": "32",
    "81": "76",
    "82": "76",
    "83": "93",
    "84": "93",
    "85": "52",
    "86": "75",
    "87": "75",
    "88": "44",
    "89": "27",
    "90": "27",
    "91": "11",
    "92": "11",
    "93": "11",
    "94": "11",
    "95": "11",
    "971": "01",
    "972": "02",
    "973": "03",
    "974": "04",
    "976": "06",
}

# NDAs issued before the 2016 merger keep their old region prefix, so both lists are valid.
NDA_REGION_CODES: frozenset[str] = frozenset(REGIONS_2016) | frozenset(REGIONS_2007)


def departement_of_postal_code(code_postal: str) -> str | None:
    """Département of a French postal code, or None when it cannot be derived.

    Corsica shares the 20 prefix: 200xx-201xx are Corse-du-Sud (2A), the rest Haute-Corse (2B).
    Overseas départements use three digits (971..976).
    """
    cp = (code_postal or "").strip()
    if len(cp) != 5 or not cp.isdecimal():
        return None
    if cp.startswith("97"):
        dep = cp[:3]
    elif cp.startswith("20"):
        dep = "2A" if int(cp) < 20200 else "2B"
    else:
        dep = cp[:2]
    return dep if dep in DEPARTEMENT_REGION else None


def region_of_departement(departement: str) -> str | None:
    """2016 INSEE region code of a département code ("14", "2A", "974"), or None if unknown."""
    dep = (departement or "").strip().upper()
    if len(dep) == 1 and dep.isdecimal():
        dep = "0" + dep  # "1" typed for "01"
    return DEPARTEMENT_REGION.get(dep)
