"""Region-sized dataset for benchmarks: `flask demo load --scale region`.

3,000 structures (sièges and antennes, with coordonnées, contacts and lieux), 15,000
formations and 60,000 sessions with all their children, generated deterministically from a
seed and written with SQLAlchemy Core bulk inserts (no ORM object per row), so that it takes
well under three minutes on SQLite and on PostgreSQL.

How it stays fast:
- ids are assigned here (read `max(id)` per table first), so children reference their parents
  without a round trip; on PostgreSQL the sequences are moved past them at the end;
- `reference` is written with the row (`reference_for`), so the after_insert event of
  `stable_reference` — an extra UPDATE per row — never runs (Core inserts skip ORM events
  anyway);
- rows go in batches of ~5,000 through `session.execute(table.insert(), rows)`.

Marker: the dataset's structures, contacts, formations and sessions take their ids from
`REGION_ID_BASE` + 1 upwards, so their references fall in a dedicated range (`6xxxxxO`,
`6xxxxxF`, `6xxxxxS`). `load_region` does nothing when the database already holds as many
structures with such a reference as asked for.

`plan_region` is the pure part (no database): given the referential ids it yields the rows
table by table, in an order that respects the foreign keys.
"""
from __future__ import annotations

import math
import random
import time as _time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.models.base import reference_for
from app.validators.session import AIF_MESURES, SHORT_SESSION_HOURS

REGION_ID_BASE = 500_000  # references 600001O…, 600001F…, 600001S…
REGION_REFERENCE_LIKE = "6_____O"  # structures of the dataset (reference_for("O", id > BASE))
REGION_CODE = "28"  # Normandie (NDA prefix)
WINDOW_START, WINDOW_END = date(2025, 1, 1), date(2027, 12, 31)  # session start dates
BATCH_SIZE = 5_000

# Tables written, in foreign-key order (link tables without an id last in their group).
TABLES = (
    "structure",
    "coordonnee",
    "structure_contact",
    "lieu",
    "formation",
    "formation_certification",
    "formation_formacode",
    "session",
    "session_formateur",
    "session_lieu",
    "financement",
    "recrutement",
    "cycle_alternance",
    "session_rythme",
    "session_bloc",
)
ID_TABLES = tuple(t for t in TABLES if t not in ("formation_formacode", "session_rythme", "session_bloc"))
MARKED_TABLES = ("structure", "structure_contact", "formation", "session")  # ids from REGION_ID_BASE

# --- identifiers ---------------------------------------------------------------------------


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits + digit` pass the Luhn check (SIREN, SIRET)."""
    total = 0
    # Doubling starts at the rightmost digit of `digits` (it sits second from the right
    # once the check digit is appended).
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_complete(digits: str) -> str:
    """`digits` followed by its Luhn check digit."""
    return digits + luhn_check_digit(digits)


def make_siren(rng: random.Random) -> str:
    """9 digits, Luhn-valid (as real SIRENs are), never La Poste's 356000000."""
    while True:
        siren = luhn_complete(f"{rng.randint(1, 9)}{rng.randrange(10**7):07d}")
        if siren != "356000000":
            return siren


def make_siret(rng: random.Random, siren: str | None = None, nic: int | None = None) -> str:
    """14-digit SIRET passing the Luhn check over the 14 digits: SIREN + 4-digit NIC + key."""
    siren = siren or make_siren(rng)
    nic = rng.randint(1, 9999) if nic is None else nic
    return luhn_complete(f"{siren}{nic:04d}")


def make_nda(rng: random.Random, departement: str) -> str:
    """11 digits as issued by the DREETS: region 28, département, sequence, département."""
    return f"{REGION_CODE}{departement}{rng.randrange(100000):05d}{departement}"


# --- geography -----------------------------------------------------------------------------

# (département, commune, postal code, INSEE code, latitude, longitude, weight)
COMMUNES = (
    ("14", "Caen", "14000", "14118", 49.1829, -0.3707, 12),
    ("14", "Hérouville-Saint-Clair", "14200", "14327", 49.2044, -0.3253, 3),
    ("14", "Mondeville", "14120", "14437", 49.1750, -0.3222, 2),
    ("14", "Ifs", "14123", "14341", 49.1411, -0.3500, 2),
    ("14", "Bayeux", "14400", "14047", 49.2765, -0.7025, 3),
    ("14", "Lisieux", "14100", "14366", 49.1466, 0.2265, 4),
    ("14", "Vire Normandie", "14500", "14762", 48.8386, -0.8892, 3),
    ("14", "Honfleur", "14600", "14333", 49.4190, 0.2330, 2),
    ("14", "Falaise", "14700", "14258", 48.8953, -0.1939, 2),
    ("14", "Deauville", "14800", "14220", 49.3600, 0.0750, 1),
    ("14", "Pont-l'Évêque", "14130", "14514", 49.2858, 0.1836, 1),
    ("14", "Condé-en-Normandie", "14110", "14174", 48.8500, -0.5500, 1),
    ("27", "Évreux", "27000", "27229", 49.0241, 1.1508, 7),
    ("27", "Vernon", "27200", "27681", 49.0928, 1.4853, 3),
    ("27", "Louviers", "27400", "27375", 49.2153, 1.1656, 2),
    ("27", "Val-de-Reuil", "27100", "27701", 49.2736, 1.2103, 2),
    ("27", "Bernay", "27300", "27056", 49.0889, 0.5981, 2),
    ("27", "Les Andelys", "27700", "27016", 49.2461, 1.4114, 1),
    ("27", "Gisors", "27140", "27284", 49.2811, 1.7761, 1),
    ("27", "Pont-Audemer", "27500", "27467", 49.3550, 0.5136, 1),
    ("27", "Gaillon", "27600", "27275", 49.1614, 1.3336, 1),
    ("50", "Saint-Lô", "50000", "50502", 49.1157, -1.0906, 4),
    ("50", "Cherbourg-en-Cotentin", "50100", "50129", 49.6337, -1.6222, 6),
    ("50", "Granville", "50400", "50218", 48.8378, -1.5975, 2),
    ("50", "Avranches", "50300", "50025", 48.6844, -1.3569, 2),
    ("50", "Coutances", "50200", "50147", 49.0478, -1.4453, 2),
    ("50", "Valognes", "50700", "50615", 49.5086, -1.4700, 1),
    ("50", "Carentan-les-Marais", "50500", "50099", 49.3033, -1.2483, 1),
    ("50", "Saint-Hilaire-du-Harcouët", "50600", "50484", 48.5775, -1.0931, 1),
    ("61", "Alençon", "61000", "61001", 48.4322, 0.0914, 5),
    ("61", "Flers", "61100", "61169", 48.7500, -0.5667, 3),
    ("61", "Argentan", "61200", "61006", 48.7444, -0.0203, 2),
    ("61", "L'Aigle", "61300", "61214", 48.7650, 0.6275, 2),
    ("61", "Mortagne-au-Perche", "61400", "61293", 48.5203, 0.5472, 1),
    ("61", "La Ferté-Macé", "61600", "61168", 48.5900, -0.3600, 1),
    ("61", "Sées", "61500", "61464", 48.6058, 0.1717, 1),
    ("76", "Rouen", "76000", "76540", 49.4431, 1.0993, 12),
    ("76", "Le Havre", "76600", "76351", 49.4944, 0.1079, 10),
    ("76", "Dieppe", "76200", "76217", 49.9225, 1.0781, 3),
    ("76", "Fécamp", "76400", "76259", 49.7578, 0.3747, 2),
    ("76", "Elbeuf", "76500", "76231", 49.2864, 1.0083, 2),
    ("76", "Sotteville-lès-Rouen", "76300", "76681", 49.4097, 1.0900, 2),
    ("76", "Saint-Étienne-du-Rouvray", "76800", "76575", 49.3786, 1.1050, 2),
    ("76", "Mont-Saint-Aignan", "76130", "76451", 49.4631, 1.0886, 2),
    ("76", "Le Grand-Quevilly", "76120", "76322", 49.4092, 1.0419, 2),
    ("76", "Yvetot", "76190", "76758", 49.6172, 0.7539, 2),
    ("76", "Bolbec", "76210", "76114", 49.5728, 0.4733, 1),
    ("76", "Lillebonne", "76170", "76384", 49.5203, 0.5364, 1),
    ("76", "Barentin", "76360", "76057", 49.5453, 0.9553, 1),
    ("76", "Montivilliers", "76290", "76447", 49.5453, 0.1881, 1),
    ("76", "Eu", "76260", "76255", 50.0478, 1.4200, 1),
    ("76", "Neufchâtel-en-Bray", "76270", "76462", 49.7339, 1.4400, 1),
)
PHONE_PREFIX = {"14": "231", "27": "232", "50": "233", "61": "233", "76": "235"}

STREETS = (
    "rue de la République", "avenue du Général de Gaulle", "boulevard Jean Jaurès", "rue Victor Hugo",
    "place de la Gare", "rue Pasteur", "rue Gambetta", "rue Jules Ferry", "rue de l'Église",
    "rue Saint-Jean", "allée des Tilleuls", "rue du 8 Mai 1945", "route de Caen", "rue de la Libération",
    "quai de la Seine", "rue des Tanneurs", "avenue de la Mer", "rue du Docteur Roux",
    "boulevard de Strasbourg", "rue des Forges", "rue Guillaume le Conquérant", "rue de la Paix",
    "avenue Foch", "rue Jeanne d'Arc", "rue des Écoles", "chemin des Prés", "rue du Moulin",
    "rue Pierre Corneille", "avenue de Rouen", "rue Flaubert", "rue du Port", "rue de Bretagne",
)
COMPLEMENTS = ("Bâtiment B", "2e étage", "ZA des Forges", "Parc d'activités du Bois", "Entrée C",
               "Zone industrielle nord", "Campus des métiers")

# --- people and organisations --------------------------------------------------------------

NOMS = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier",
    "Robin", "Marie", "Lecomte", "Lemaire", "Hébert", "Lebrun", "Leclerc", "Jeanne", "Lecoq", "Duval",
    "Lemonnier", "Lesueur", "Levasseur", "Hamel", "Letellier",
)
PRENOMS_F = ("Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Céline", "Sophie", "Sandrine",
             "Valérie", "Christine", "Julie", "Émilie", "Aurélie", "Camille", "Laure", "Claire",
             "Élodie", "Anne", "Hélène", "Manon", "Pauline", "Léa", "Chloé", "Agnès")
PRENOMS_M = ("Jean", "Philippe", "Michel", "Alain", "Patrick", "Nicolas", "Christophe", "Pierre",
             "Laurent", "Frédéric", "Stéphane", "Éric", "David", "Julien", "Thomas", "Sébastien",
             "Olivier", "Guillaume", "Antoine", "Hugo", "Maxime", "Romain", "François", "Benoît")
FONCTIONS = ("Directeur", "Directrice adjointe", "Responsable pédagogique", "Chargée de formation",
             "Assistante de formation", "Coordinateur pédagogique", "Responsable administratif",
             "Conseillère en formation", "Chargé de relations entreprises", "Référente handicap",
             "Responsable qualité", "Chargée d'accueil")
SERVICES = ("Formation continue", "Accueil", "Pédagogie", "Relations entreprises", "Direction",
            "Apprentissage", "Administration")
TYPE_CONTACT_CODES = ("5", "4", "3", "7", "0", "1", "6", "14")

ORG_PATTERNS = (
    ("Institut de formation {nom}", "01"),
    ("Centre de formation professionnelle {de_ville}", "01"),
    ("{nom} Formation", "01"),
    ("{nom} Formation Conseil", "01"),
    ("Atelier {nom} Compétences", "01"),
    ("École des métiers {de_ville}", "03"),
    ("CFA des métiers {domaine}", "02"),
    ("CFA interprofessionnel {de_ville}", "02"),
    ("Lycée professionnel {personne}", "03"),
    ("GRETA {ville}", "03"),
    ("Association pour la formation professionnelle {domaine}", "06"),
    ("Association {nom} Insertion", "06"),
    ("Chambre de métiers et de l'artisanat – site {de_ville}", "05"),
    ("Institut universitaire {de_ville}", "04"),
    ("{nom} & Associés Formation", "01"),
    ("Organisme de formation {nom} {ville}", "01"),
)
ORG_DOMAINES = ("du bâtiment", "de l'industrie", "du commerce", "de l'hôtellerie-restauration",
                "du transport et de la logistique", "de l'agriculture", "de la santé", "du numérique",
                "de l'automobile", "du tertiaire", "de la mer", "de l'aide à la personne")
PERSONNES = ("Jules Verne", "Jean Rostand", "Pierre Mendès France", "Marie Curie", "Gustave Flaubert",
             "Guy de Maupassant", "Camille Claudel", "Jacques Prévert", "Simone Veil", "Victor Hugo")
APE_CODES = ("8559A", "8559A", "8559A", "8559B", "8532Z", "8542Z", "8531Z", "7022Z")

# --- formations ----------------------------------------------------------------------------

# (métier, theme with its article, keywords, métiers visés)
THEMES = (
    ("agent de propreté et d'hygiène", "les techniques de bionettoyage", "nettoyage, hygiène, bionettoyage", "Agent / Agente de propreté"),
    ("assistant de vie aux familles", "l'accompagnement des personnes âgées", "aide à domicile, dépendance", "Assistant / Assistante de vie"),
    ("conducteur de transport en commun sur route", "la conduite de car scolaire", "transport de voyageurs, permis D", "Conducteur / Conductrice de car"),
    ("cariste d'entrepôt", "la conduite de chariots élévateurs (CACES R489)", "cariste, chariot, logistique", "Cariste"),
    ("préparateur de commandes en entrepôt", "la logistique d'entrepôt", "préparation de commandes, stock", "Préparateur / Préparatrice de commandes"),
    ("cuisinier", "la cuisine de collectivité", "cuisine, restauration collective", "Cuisinier / Cuisinière"),
    ("serveur en restauration", "le service en salle", "service, restauration, accueil", "Serveur / Serveuse"),
    ("boulanger", "la boulangerie artisanale", "boulangerie, viennoiserie", "Boulanger / Boulangère"),
    ("maçon", "la maçonnerie du bâti ancien", "maçonnerie, gros œuvre", "Maçon / Maçonne"),
    ("électricien d'équipement du bâtiment", "l'habilitation électrique B1V-BR", "électricité, habilitation", "Électricien / Électricienne du bâtiment"),
    ("installateur en thermique et sanitaire", "les pompes à chaleur", "chauffage, plomberie, PAC", "Plombier chauffagiste"),
    ("peintre en bâtiment", "les revêtements muraux", "peinture, finitions", "Peintre en bâtiment"),
    ("menuisier agenceur", "la menuiserie d'agencement", "menuiserie, bois, agencement", "Menuisier / Menuisière"),
    ("soudeur", "le soudage TIG et MIG", "soudure, métallerie", "Soudeur / Soudeuse"),
    ("technicien de maintenance industrielle", "la maintenance préventive", "maintenance, mécanique, automatismes", "Technicien / Technicienne de maintenance"),
    ("conducteur de ligne en industrie agroalimentaire", "l'hygiène en industrie agroalimentaire", "agroalimentaire, HACCP, production", "Conducteur / Conductrice de ligne"),
    ("technicien d'usinage", "la programmation sur commande numérique", "usinage, tournage, fraisage", "Technicien / Technicienne d'usinage"),
    ("mécanicien automobile", "le diagnostic électronique automobile", "mécanique, automobile, diagnostic", "Mécanicien / Mécanicienne automobile"),
    ("développeur web et web mobile", "le développement web", "développement, JavaScript, PHP", "Développeur / Développeuse web"),
    ("technicien supérieur systèmes et réseaux", "la cybersécurité", "réseaux, sécurité informatique", "Technicien / Technicienne réseaux"),
    ("designer graphique", "la mise en page avec les logiciels de PAO", "graphisme, PAO, communication", "Graphiste"),
    ("comptable assistant", "la comptabilité générale", "comptabilité, gestion", "Comptable"),
    ("gestionnaire de paie", "la paie et les déclarations sociales", "paie, social, DSN", "Gestionnaire de paie"),
    ("secrétaire assistant médico-social", "le secrétariat médical", "secrétariat, médical, accueil", "Secrétaire médical / médicale"),
    ("assistant de direction", "l'organisation administrative", "assistanat, bureautique", "Assistant / Assistante de direction"),
    ("négociateur technico-commercial", "les techniques de vente", "vente, négociation, prospection", "Technico-commercial / Technico-commerciale"),
    ("vendeur conseil en magasin", "la relation client en magasin", "vente, commerce, relation client", "Vendeur / Vendeuse"),
    ("manager d'unité marchande", "le management d'équipe", "management, commerce", "Manager de rayon"),
    ("conseiller en insertion professionnelle", "l'accompagnement vers l'emploi", "insertion, emploi, accompagnement", "Conseiller / Conseillère en insertion"),
    ("aide-soignant", "les gestes et soins d'urgence", "soins, santé, hôpital", "Aide-soignant / Aide-soignante"),
    ("accompagnant éducatif petite enfance", "l'éveil du jeune enfant", "petite enfance, crèche", "Auxiliaire petite enfance"),
    ("animateur socioculturel", "l'animation de groupes", "animation, loisirs, jeunesse", "Animateur / Animatrice"),
    ("agent de sûreté et de sécurité privée", "la sécurité incendie", "sécurité, surveillance, SSIAP", "Agent / Agente de sécurité"),
    ("ouvrier du paysage", "l'entretien des espaces verts", "paysage, espaces verts", "Jardinier / Jardinière paysagiste"),
    ("agent de maintenance des bâtiments", "les petits travaux d'entretien", "entretien, bâtiment, multi-technique", "Agent / Agente de maintenance"),
    ("matelot à la pêche", "la sécurité à bord des navires", "pêche, navigation, mer", "Marin pêcheur"),
    ("conducteur d'engins agricoles", "l'agroéquipement", "agriculture, machinisme", "Conducteur / Conductrice d'engins agricoles"),
    ("responsable d'exploitation agricole", "l'élevage laitier", "élevage, exploitation agricole", "Exploitant / Exploitante agricole"),
    ("technicien en énergies renouvelables", "les énergies marines renouvelables", "éolien, énergie, transition", "Technicien / Technicienne de maintenance éolienne"),
    ("chaudronnier", "la lecture de plans en chaudronnerie", "chaudronnerie, tôlerie", "Chaudronnier / Chaudronnière"),
    ("formateur professionnel d'adultes", "l'ingénierie pédagogique", "formation, pédagogie", "Formateur / Formatrice"),
    ("employé administratif et d'accueil", "l'accueil physique et téléphonique", "accueil, standard, administration", "Agent / Agente d'accueil"),
)
# Short, non-certifying courses (theme with its article).
TRANSVERSAL = (
    ("l'anglais professionnel", "anglais, langue"),
    ("le français langue étrangère", "FLE, français, langue"),
    ("les savoirs de base en français et mathématiques", "remise à niveau, savoirs de base"),
    ("les outils bureautiques Word et Excel", "bureautique, Excel, Word"),
    ("les compétences numériques du quotidien", "numérique, internet, démarches en ligne"),
    ("le sauvetage secourisme du travail", "SST, secourisme, prévention"),
    ("les gestes et postures au travail", "prévention, ergonomie"),
    ("la création d'entreprise", "création, entrepreneuriat, gestion"),
    ("l'élaboration du projet professionnel", "orientation, projet, mobilisation"),
    ("la prise de parole en public", "communication, expression orale"),
)
COURSE_PREFIXES = ("Initiation à", "Les fondamentaux de", "Se former à", "Découverte de",
                   "Approfondissement de", "Les bases de", "Sensibilisation à", "Préparation à")
COURSE_SUFFIXES = ("", "", "", " – niveau 1", " – niveau 2", " (parcours individualisé)",
                   " – module à distance", " : remise à niveau", " pour les demandeurs d'emploi")
CERT_PATTERNS = ("Titre professionnel {m}", "Certificat de qualification professionnelle {m}",
                 "Devenir {m}", "Formation {de_m}", "Préparation au titre {de_m}",
                 "Parcours qualifiant {de_m}")
APPRENTISSAGE_YEARS = {1: "1 an", 2: "1ère et 2ème années", 3: "1ère, 2ème et 3ème années"}
OBJECTIFS_EXTRA = (
    "Organiser son activité dans le respect des règles d'hygiène et de sécurité.",
    "Communiquer efficacement avec les clients, les usagers et l'équipe.",
    "Utiliser les outils numériques propres au métier.",
    "Préparer son insertion dans l'entreprise grâce à une période en milieu professionnel.",
    "Développer son autonomie et sa capacité d'adaptation.",
    "Valider les compétences attendues par les employeurs du territoire.",
)
PLUS = ("Plateau technique récent et formateurs issus du métier.",
        "Accompagnement individuel vers l'emploi pendant et après la formation.",
        "Petits groupes et entrées régulières tout au long de l'année.",
        "Partenariats avec les entreprises du bassin d'emploi.")

# --- states --------------------------------------------------------------------------------

STRUCTURE_ETATS = (("validee", 92), ("en_attente", 3), ("en_creation", 2), ("archivee", 3))
FORMATION_ETATS = (("en_creation", 8), ("en_attente", 7), ("diffusee", 65), ("non_diffusee", 8),
                   ("archivee", 12))


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    cumulative, total = [], 0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return values, cumulative


_STRUCTURE_ETATS = _weighted(STRUCTURE_ETATS)
_FORMATION_ETATS = _weighted(FORMATION_ETATS)
_COMMUNES = _weighted([(c, c[-1]) for c in COMMUNES])


def _pick(rng: random.Random, weighted):
    values, cumulative = weighted
    return rng.choices(values, cum_weights=cumulative)[0]


# --- pure text helpers ---------------------------------------------------------------------


def slug(value: str) -> str:
    """ASCII, lower-case, words joined by dashes (for e-mail and web addresses)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


def de(name: str) -> str:
    """French "de" before a noun or a place name: de + le → du (du Havre, du bâtiment), de + les →
    des (des Andelys), elided before a vowel or a mute h (d'Évreux, d'Hérouville), otherwise de
    (de Caen, de La Ferté-Macé, de L'Aigle). Names with an aspirated h are rare in the region and
    not told apart."""
    for article, contracted in (("les ", "des "), ("le ", "du ")):
        if name[:len(article)].lower() == article:
            return contracted + name[len(article):]
    first = unicodedata.normalize("NFKD", name[:1]).encode("ascii", "ignore").decode().lower()
    return f"d'{name}" if first in ("a", "e", "i", "o", "u", "y", "h") else f"de {name}"


def _with_preposition(preposition: str, theme: str) -> str:
    """`à` / `de` + a theme starting with its article, with French contractions."""
    if theme.startswith("les "):
        return ("aux " if preposition == "à" else "des ") + theme[4:]
    if theme.startswith("le "):
        return ("au " if preposition == "à" else "du ") + theme[3:]
    return f"{preposition} {theme}"


def topic_count() -> int:
    """Themes a formation can be about: the métiers of THEMES, then the transversal courses."""
    return len(THEMES) + len(TRANSVERSAL)


def topic(index: int) -> tuple[str | None, str, str, str | None]:
    """(métier or None, theme with its article, keywords, métiers visés or None)."""
    index %= topic_count()
    if index < len(THEMES):
        return THEMES[index]
    theme, keywords = TRANSVERSAL[index - len(THEMES)]
    return None, theme, keywords, None


def make_intitule(rng: random.Random, topic_index: int, *, certifiante: bool,
                  apprentissage: bool = False, duree_cycle: int | None = None) -> str:
    """A readable French title (E4): métier titles for certifying formations, course titles
    otherwise; apprentissage ones say the years and end with "(en apprentissage)".
    Certifying formations need a métier topic (index below len(THEMES))."""
    metier, theme, _, _ = topic(topic_index)
    if (certifiante or apprentissage) and metier:
        title = rng.choice(CERT_PATTERNS).format(m=metier, de_m=de(metier))
        if apprentissage:
            years = APPRENTISSAGE_YEARS.get(duree_cycle or 1, f"{duree_cycle} ans")
            return f"{title} – {years} (en apprentissage)"
        return title
    prefix = rng.choice(COURSE_PREFIXES)
    head, _, last = prefix.rpartition(" ")
    return f"{head} {_with_preposition(last, theme)}{rng.choice(COURSE_SUFFIXES)}"


def make_objectifs(rng: random.Random, topic_index: int, *, certifiante: bool) -> str:
    metier, theme, _, _ = topic(topic_index)
    if certifiante and metier:
        first = (f"Acquérir les compétences nécessaires pour exercer le métier {de(metier)} et "
                 f"obtenir la certification visée.")
    else:
        first = (f"Maîtriser les bases {_with_preposition('de', theme)} et les mettre en pratique "
                 f"en situation professionnelle.")
    return " ".join([first, *rng.sample(OBJECTIFS_EXTRA, 2)])


# --- referentials --------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationRef:
    id: int
    code: str
    actif: bool = True
    date_fin: date | None = None
    apprentissage: bool = False
    niveau_sortie_id: int | None = None
    blocs: tuple[int, ...] = ()


@dataclass(frozen=True)
class RefData:
    """The referential ids the generator needs (read from the database by `read_refdata`)."""

    codes: Mapping[tuple[str, str], int]  # (nomenclature kind, code) -> id
    mesures: Sequence[tuple[int, int, str, str]]  # (financeur_id, mesure_id, mesure code, nature)
    certifications: Sequence[CertificationRef] = ()
    kinds: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # kind -> ids, by code

    def code(self, kind: str, code: str) -> int | None:
        return self.codes.get((kind, code))

    def of_kind(self, kind: str) -> tuple[int, ...]:
        if kind in self.kinds:
            return self.kinds[kind]
        return tuple(i for (k, _), i in sorted(self.codes.items()) if k == kind)


def read_refdata(session) -> RefData:
    from sqlalchemy import select

    from app.models import BlocCompetences, Certification, Financeur, Mesure, Nomenclature

    codes = {(kind, code): id_ for id_, kind, code in session.execute(
        select(Nomenclature.id, Nomenclature.kind, Nomenclature.code).where(Nomenclature.actif.is_(True)))}
    kinds: dict[str, list[int]] = {}
    for (kind, _), id_ in sorted(codes.items()):
        kinds.setdefault(kind, []).append(id_)
    mesures = [tuple(row) for row in session.execute(
        select(Mesure.financeur_id, Mesure.id, Mesure.code, Mesure.nature)
        .join(Financeur, Financeur.id == Mesure.financeur_id)
        .where(Mesure.actif.is_(True)).order_by(Mesure.id))]
    blocs: dict[int, list[int]] = {}
    for cert_id, bloc_id in session.execute(
            select(BlocCompetences.certification_id, BlocCompetences.id).order_by(BlocCompetences.id)):
        blocs.setdefault(cert_id, []).append(bloc_id)
    certifications = [
        CertificationRef(c.id, c.code_rncp or c.code_rs or "", bool(c.actif), c.date_fin_enregistrement,
                         bool(c.accessible_apprentissage), c.niveau_sortie_id, tuple(blocs.get(c.id, ())))
        for c in session.execute(select(Certification).order_by(Certification.id)).scalars()
    ]
    return RefData(codes=codes, mesures=mesures, certifications=certifications,
                   kinds={k: tuple(v) for k, v in kinds.items()})


# --- the plan ------------------------------------------------------------------------------


@dataclass
class _Org:
    """What formations and sessions need to know about a structure."""

    id: int
    siege_id: int
    etat: str
    lieux: list = field(default_factory=list)  # (id, ligne, code_postal, ville)
    contacts: list = field(default_factory=list)  # ids


@dataclass
class _Formation:
    """What sessions need to know about a formation."""

    id: int
    siege: _Org
    etat: str
    apprentissage: bool
    duree_cycle: int | None
    contrat_pro_ok: bool  # certifiante with an RNCP principal certification (F7)
    blocs: tuple[int, ...]  # of the principal certification
    niveau_entree_id: int | None
    hours_scale: float
    debut_max: date | None = None  # F2: sessions start before the certification's end


def _stamp(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 18), rng.randrange(60)))


def _dec(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _half_hour(n: int) -> time:
    return time(n // 2, 30 * (n % 2))


def plan_region(refs: RefData, first_ids: Mapping[str, int], *, structures: int = 3000,
                formations: int = 15000, sessions: int = 60000, seed: int = 2026,
                today: date | None = None, chunk: int = BATCH_SIZE) -> Iterator[tuple[str, list[dict]]]:
    """Yield `(table name, rows)` in foreign-key order; pure and deterministic for a given
    (refs, first_ids, counts, seed, today). `first_ids[table]` is the id of its first row
    (1 when missing). Empty row lists are not yielded."""
    planner = _Planner(refs, first_ids, seed, today or date.today())
    yield from planner.structures(structures)
    yield from planner.formations(formations, chunk)
    yield from planner.sessions(sessions, chunk)


class _Planner:
    """One pass over the dataset: structures, then formations, then sessions by chunks. Only
    what later steps need is kept (`_Org`, `_Formation`); rows are handed over and dropped."""

    def __init__(self, refs: RefData, first_ids: Mapping[str, int], seed: int, today: date):
        self.refs, self.today = refs, today
        self.rng = random.Random(seed)
        self.ids = {table: first_ids.get(table, 1) for table in ID_TABLES}
        self.sieges: list[_Org] = []
        self.antennes_of: dict[int, list[_Org]] = {}
        self.infos: list[_Formation] = []

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    # ---- structures: sièges first, then their antennes ----------------------------------

    def structures(self, count: int) -> Iterator[tuple[str, list[dict]]]:
        rng, K = self.rng, self.refs.code
        n_sieges = min(count, max(1, round(count * 0.8)))
        self.type_ids = {code: K("type_structure", code) for code in ("01", "02", "03", "04", "05", "06")}
        self.type_contacts = [K("type_contact", c) for c in TYPE_CONTACT_CODES]
        self.rows = {"structure": [], "coordonnee": [], "structure_contact": [], "lieu": []}
        used_sirets: set[str] = set()

        def unique_siret(siren: str | None, nics: tuple[int, int]) -> tuple[str, str]:
            while True:
                base = siren or make_siren(rng)
                siret = make_siret(rng, base, rng.randint(*nics))
                if siret not in used_sirets:
                    used_sirets.add(siret)
                    return base, siret

        sieges = []  # (row, siren, type code, commune)
        for _ in range(n_sieges):
            commune = _pick(rng, _COMMUNES)
            pattern, type_code = rng.choice(ORG_PATTERNS)
            name = pattern.format(nom=rng.choice(NOMS), ville=commune[1], de_ville=de(commune[1]),
                                  domaine=rng.choice(ORG_DOMAINES), personne=rng.choice(PERSONNES))
            enseigne = None
            if rng.random() < 0.35:
                initials = "".join(w[0] for w in name.replace("'", " ").split() if w[0].isupper())[:5]
                enseigne = f"{initials} {commune[1]}" if len(initials) >= 2 else None
            siren, siret = unique_siret(None, (1, 99))
            row = self._structure(name, enseigne, siret, make_nda(rng, commune[0]), type_code,
                                  _pick(rng, _STRUCTURE_ETATS), None, commune)
            org = _Org(row["id"], row["id"], row["etat"])
            self.sieges.append(org)
            sieges.append((row, siren, type_code, commune))
            self._children(org, row, commune, f"{slug(name)[:40].strip('-')}-{org.id % 1000}.fr")

        # antennes: a third of the sièges get one or two at a time until the count is reached
        n_antennes = count - n_sieges
        parents = rng.sample(range(n_sieges), k=max(1, n_sieges // 3)) if n_antennes > 0 else []
        position = 0
        while n_antennes > 0:
            index = parents[position % len(parents)]
            position += 1
            parent_row, siren, type_code, parent_commune = sieges[index]
            parent = self.sieges[index]
            for _ in range(min(n_antennes, rng.randint(1, 2))):
                nearby = [c for c in COMMUNES if c[0] == parent_commune[0]]
                commune = rng.choice(nearby if rng.random() < 0.6 else COMMUNES)
                _, siret = unique_siret(siren, (100, 9999))
                label = parent_row["enseigne"] or parent_row["raison_sociale"][:60]
                row = self._structure(parent_row["raison_sociale"], f"{label} – antenne {de(commune[1])}",
                                      siret, None, type_code, parent_row["etat"], parent.id, commune)
                org = _Org(row["id"], parent.id, row["etat"])
                self.antennes_of.setdefault(parent.id, []).append(org)
                domain = f"{slug(parent_row['raison_sociale'])[:40].strip('-')}-{parent.id % 1000}.fr"
                self._children(org, row, commune, domain)
                n_antennes -= 1
        rows, self.rows = self.rows, None
        for name, table_rows in rows.items():
            if table_rows:
                yield name, table_rows

    def _structure(self, name: str, enseigne: str | None, siret: str, nda: str | None, type_code: str,
                   etat: str, parent_id: int | None, commune) -> dict:
        rng, today = self.rng, self.today
        org_id = self.next_id("structure")
        dep = commune[0]
        created = today - timedelta(days=1500 - rng.randrange(1200))
        school = type_code in ("02", "03")  # CFA, établissement d'enseignement: they have a UAI
        row = {
            "id": org_id, "reference": reference_for("O", org_id), "raison_sociale": name[:250],
            "enseigne": enseigne, "siret": siret, "nda": nda, "ape": rng.choice(APE_CODES),
            "uai": f"0{dep}{rng.randrange(10**4):04d}{chr(65 + rng.randrange(26))}" if school else None,
            "type_id": self.type_ids.get(type_code), "etat": etat, "parent_id": parent_id,
            "departement_code": dep, "potentiel": None,
            "qualiopi_action_formation": rng.random() < 0.85, "qualiopi_bilan": rng.random() < 0.15,
            "qualiopi_vae": rng.random() < 0.2, "qualiopi_apprentissage": school or rng.random() < 0.1,
            "demande_particuliere": None, "demande_contacts": None,
            "confirme_le": (today - timedelta(days=rng.randrange(365))) if etat == "validee" else None,
            "ligne": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
            "complement": rng.choice(COMPLEMENTS) if rng.random() < 0.15 else None,
            "bp_cs": f"CS {rng.randint(10000, 99999)}" if rng.random() < 0.05 else None,
            "code_postal": commune[2], "ville": commune[1], "code_insee": commune[3],
            "created_at": _stamp(created, rng),
            "updated_at": _stamp(min(today, created + timedelta(days=rng.randrange(200))), rng),
        }
        self.rows["structure"].append(row)
        return row

    def _children(self, org: _Org, row: dict, commune, domain: str) -> None:
        """1–3 coordonnées (the e-mail is principal), 1–2 contacts (the first is principal),
        1–3 lieux (the first at the structure's address, the others in its département)."""
        rng = self.rng
        dep = commune[0]
        phone = PHONE_PREFIX[dep][1:]
        values = (("email", f"contact@{domain}", "Accueil"),
                  ("telephone", f"02 {phone} {rng.randrange(100):02d} {rng.randrange(100):02d} "
                                f"{rng.randrange(100):02d}", "Standard"),
                  ("web", f"https://www.{domain}", "Site internet"))
        for index in range(rng.randint(1, 3)):
            nature, valeur, libelle = values[index]
            self.rows["coordonnee"].append({
                "id": self.next_id("coordonnee"), "structure_id": org.id, "nature": nature, "valeur": valeur,
                "type_libelle": libelle, "diffusion": True, "principal": index == 0})
        for index in range(rng.randint(1, 2)):
            female = rng.random() < 0.55
            prenom = rng.choice(PRENOMS_F if female else PRENOMS_M)
            nom = rng.choice(NOMS)
            contact_id = self.next_id("structure_contact")
            self.rows["structure_contact"].append({
                "id": contact_id, "reference": reference_for("C", contact_id), "structure_id": org.id,
                "civilite": "Mme" if female else "M.", "nom": nom, "prenom": prenom,
                "type_contact_id": self.type_contacts[0] if index == 0 else rng.choice(self.type_contacts),
                "fonction": rng.choice(FONCTIONS), "service": rng.choice(SERVICES),
                "email": f"{slug(prenom).replace('-', '')}.{slug(nom).replace('-', '')}@{domain}",
                "telephone": f"02{phone}{rng.randrange(10**6):06d}",
                "principal": index == 0, "diffusion": rng.random() < 0.9,
            })
            org.contacts.append(contact_id)
        same_dep = [c for c in COMMUNES if c[0] == dep]
        for index in range(rng.randint(1, 3)):
            place = commune if index == 0 else rng.choice(same_dep)
            ligne = row["ligne"] if index == 0 else f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
            lieu_id = self.next_id("lieu")
            self.rows["lieu"].append({
                "id": lieu_id, "structure_id": org.id,
                "nom": (f"Site {de(place[1])}" if index else row["enseigne"] or row["raison_sociale"])[:255],
                "ligne": ligne, "complement": None, "bp_cs": None, "code_postal": place[2], "ville": place[1],
                "code_insee": place[3],
                "latitude": round(place[4] + rng.uniform(-0.02, 0.02), 6),
                "longitude": round(place[5] + rng.uniform(-0.03, 0.03), 6),
                "telephone": f"02{PHONE_PREFIX[place[0]][1:]}{rng.randrange(10**6):06d}",
                "siret": row["siret"], "uai": row["uai"],
            })
            org.lieux.append((lieu_id, ligne, place[2], place[1]))

    # ---- formations ---------------------------------------------------------------------

    def formations(self, count: int, chunk: int) -> Iterator[tuple[str, list[dict]]]:
        rng, K, today = self.rng, self.refs.code, self.today
        # E1: the OF responsable is a siège with an NDA; validated ones carry the offer.
        responsables = [o for o in self.sieges if o.etat == "validee"] or self.sieges
        owners = rng.choices(responsables, weights=[rng.paretovariate(1.3) for _ in responsables], k=count)
        certs = list(self.refs.certifications)
        # F2 wants the principal certification still registered when sessions start: prefer
        # those registered past the window, then those still registered today, then any (every
        # certification of the shipped 2024 France compétences sample has expired).
        usable = ([c for c in certs if c.date_fin is None or c.date_fin > WINDOW_END]
                  or [c for c in certs if c.date_fin is not None and c.date_fin > today] or certs)
        usable_weights = [3 if c.actif else 1 for c in usable]
        for_apprentissage = [c for c in usable if c.apprentissage] or usable
        niveaux_entree = [K("niveau", c) for c in ("0", "1", "11", "12", "13", "14")]
        niveaux_sortie = [i for i in (K("niveau", c) for c in ("13", "14", "15", "16", "17")) if i] or [None]
        objectif_certif = K("objectif_general", "6")
        objectifs_autres = [K("objectif_general", c) for c in ("2", "5", "7", "8", "9")]
        motifs = list(self.refs.of_kind("motif_archivage")) or [None]
        formacodes = list(self.refs.of_kind("formacode"))
        formation_rows, fc_rows, ff_rows = [], [], []
        for owner in owners:
            formation_id = self.next_id("formation")
            etat = _pick(rng, _FORMATION_ETATS)
            apprentissage = bool(usable) and rng.random() < 0.10
            certifiante = bool(usable) and (apprentissage or rng.random() < 0.34)
            theme = rng.randrange(len(THEMES) if certifiante else topic_count())
            duree_cycle = rng.choice((1, 2, 2, 2, 3)) if apprentissage else None
            principal = None
            if certifiante:  # E2: one principal certification, sometimes a second one
                principal = (rng.choice(for_apprentissage) if apprentissage
                             else rng.choices(usable, weights=usable_weights)[0])
                fc_rows.append({"id": self.next_id("formation_certification"), "formation_id": formation_id,
                                "certification_id": principal.id, "principal": True})
                others = [c for c in usable if c.id != principal.id]
                if others and rng.random() < 0.1:
                    fc_rows.append({"id": self.next_id("formation_certification"),
                                    "formation_id": formation_id, "certification_id": rng.choice(others).id,
                                    "principal": False})
            elif formacodes:  # E10: a non-certifying formation has a Formacode
                ff_rows.append({"formation_id": formation_id, "nomenclature_id": rng.choice(formacodes)})
            metier, _, keywords, metiers = topic(theme)
            created = today - timedelta(days=rng.randint(20, 900))
            niveau_entree = rng.choice(niveaux_entree)
            formation_rows.append({
                "id": formation_id, "reference": reference_for("F", formation_id), "structure_id": owner.id,
                "intitule": make_intitule(rng, theme, certifiante=certifiante, apprentissage=apprentissage,
                                          duree_cycle=duree_cycle)[:255],
                "certifiante": certifiante, "apprentissage": apprentissage,
                "objectifs": make_objectifs(rng, theme, certifiante=certifiante),
                "contenu": (f"Module 1 : environnement professionnel{f' du métier {de(metier)}' if metier else ''}."
                            f" Module 2 : techniques et gestes professionnels. Module 3 : mise en situation "
                            f"et évaluation.") if rng.random() < 0.6 else None,
                "resultats": ("Obtention de la certification visée (totale ou par blocs de compétences)."
                              if certifiante else "Attestation de fin de formation et de compétences acquises."),
                "niveau_entree_id": niveau_entree,
                "niveau_sortie_id": (principal.niveau_sortie_id or rng.choice(niveaux_sortie)) if principal else None,
                "objectif_general_id": objectif_certif if certifiante else rng.choice(objectifs_autres),
                "duree_cycle": duree_cycle,
                "plus_formation": rng.choice(PLUS) if rng.random() < 0.4 else None,
                "url_video": None, "url_brochure": None,
                "url_page": (f"https://www.formations-normandie.example/f{formation_id}"
                             if rng.random() < 0.3 else None),
                "mots_cles": keywords, "metiers_vises": metiers, "etat": etat,
                "importee": rng.random() < 0.05,  # G7: arrived by import (CR / France Travail)
                "motif_archivage_id": rng.choice(motifs) if etat == "archivee" else None,
                "commentaire_archivage": "Formation plus proposée cette année." if etat == "archivee" else None,
                "created_at": _stamp(created, rng),
                "updated_at": _stamp(min(today, created + timedelta(days=rng.randrange(120))), rng),
            })
            self.infos.append(_Formation(
                formation_id, owner, etat, apprentissage, duree_cycle,
                contrat_pro_ok=bool(principal and principal.code.startswith("RNCP")) and not apprentissage,
                blocs=principal.blocs if principal else (), niveau_entree_id=niveau_entree,
                hours_scale=rng.uniform(0.6, 1.6),
                debut_max=principal.date_fin - timedelta(days=1) if principal and principal.date_fin else None))
        for start in range(0, len(formation_rows), chunk):
            yield "formation", formation_rows[start:start + chunk]
        for name, table_rows in (("formation_certification", fc_rows), ("formation_formacode", ff_rows)):
            if table_rows:
                yield name, table_rows

    # ---- sessions and their children, chunk by chunk ------------------------------------

    def sessions(self, count: int, chunk: int) -> Iterator[tuple[str, list[dict]]]:
        rng, K = self.rng, self.refs.code
        if not self.infos:
            return
        owners = rng.choices(self.infos, weights=[rng.paretovariate(2.0) for _ in self.infos], k=count)
        mesures = list(self.refs.mesures)
        self.app_mesures = [m for m in mesures if m[3] == "apprentissage"]
        self.cp_mesures = [m for m in mesures if m[3] == "contrat_pro"]
        self.other_mesures = [m for m in mesures if m[3] not in ("apprentissage", "contrat_pro")] or mesures
        self.modalites = {f"MR.0{n}": K("modalite_recrutement", f"MR.0{n}") for n in range(1, 10)}
        self.positioning = [(c, w) for c, w in (("MR.07", 40), ("MR.09", 35), ("MR.08", 25))
                            if self.modalites[c]]
        self.documentary = [f"MR.0{n}" for n in range(1, 7) if self.modalites[f"MR.0{n}"]]
        self.etat_recrutement = (K("etat_recrutement", "1"), K("etat_recrutement", "2"))  # ouvert, fermé
        self.conventionne = K("etat_dispositif", "02")
        self.enseignement = (K("modalite_enseignement", "0"), K("modalite_enseignement", "1"))
        self.parcours = [K("type_parcours", c) for c in ("1", "1", "2", "3", "4")]
        self.rythme = {c: K("rythme", c) for c in ("01", "02", "03", "04")}
        self.totale = K("validation_blocs", "1")
        self.cycle_ids = (K("type_cycle", "1"), K("type_alternance", "1"), K("unite_rythme", "3"))
        for start in range(0, count, chunk):
            rows = {name: [] for name in ("session", "session_formateur", "session_lieu", "financement",
                                          "recrutement", "cycle_alternance", "session_rythme", "session_bloc")}
            for info in owners[start:start + chunk]:
                self._session(info, rows)
            for name, table_rows in rows.items():
                if table_rows:
                    yield name, table_rows

    def _between(self, lo: date, hi: date) -> date:
        if hi < lo:
            hi = lo + timedelta(days=365)
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def _durations(self, info: _Formation) -> tuple[int, int | None, Decimal, int]:
        """F10 hours (centre, entreprise or None, hebdomadaire) and the length in days."""
        rng = self.rng
        if info.apprentissage:
            years = info.duree_cycle or 1
            centre, entreprise = rng.randint(400, 675) * years, rng.randint(1000, 1200) * years
            return centre, entreprise, Decimal("35.00"), 365 * years - rng.randint(60, 100)
        kind = rng.random()
        if kind < 0.3:
            centre = rng.choice((7, 14, 21, 35))
        elif kind < 0.75:
            centre = int(rng.randint(70, 400) * info.hours_scale)
        else:
            centre = int(rng.randint(400, 1100) * info.hours_scale)
        entreprise = rng.choice((70, 140, 210, 280, 420)) if centre >= 150 and rng.random() < 0.45 else None
        hebdo = rng.choice((Decimal("35.00"), Decimal("35.00"), Decimal("30.00"), Decimal("24.00"),
                            Decimal("17.50")))
        total = centre + (entreprise or 0)
        if total <= 35:
            return centre, entreprise, hebdo, math.ceil(total / 7)
        return centre, entreprise, hebdo, math.ceil(total / float(hebdo) * 7 / 5) + rng.randint(0, 14)

    def _dates(self, info: _Formation, length: int) -> tuple[date, date]:
        """Start in 2025–2027: in the future for formations not yet published, early enough to
        be over (and archived) for archived formations; apprentissage starts at the rentrée."""
        today = self.today
        if info.etat in ("en_creation", "en_attente"):
            lo, hi = today + timedelta(days=7), WINDOW_END
        elif info.etat == "archivee":
            lo, hi = WINDOW_START, today - timedelta(days=31 + length)
        else:
            lo, hi = WINDOW_START, WINDOW_END
        if info.debut_max is not None and info.debut_max >= lo:  # F2, when it can hold
            hi = min(hi, info.debut_max)
        debut = self._between(lo, hi)
        if info.apprentissage:
            rentree = date(debut.year, 9, 1) + timedelta(days=self.rng.randrange(30))
            if rentree < lo:
                rentree = rentree.replace(year=rentree.year + 1)
            if info.debut_max is None or rentree <= info.debut_max:
                debut = rentree
        return debut, debut + timedelta(days=max(0, length - 1))

    def _etat(self, info: _Formation, debut: date, fin: date) -> str:
        """G1 state, consistent with the dates (F15: archived 30 days after the end) and with
        the formation's state."""
        today = self.today
        if info.etat == "archivee" or fin < today - timedelta(days=30):
            return "archivee"
        if fin < today:
            return "terminee"
        if info.etat == "en_creation":
            return "brouillon"
        if info.etat == "en_attente":
            return "en_attente" if self.rng.random() < 0.7 else "brouillon"
        if info.etat == "non_diffusee":
            return "en_attente"  # on hold
        r = self.rng.random()
        if r < 0.85 or debut <= today:  # a running session is published
            return "diffusee"
        return "en_attente" if r < 0.93 else "brouillon"

    def _session(self, info: _Formation, rows: dict[str, list[dict]]) -> None:
        rng, today = self.rng, self.today
        session_id = self.next_id("session")
        centre, entreprise, hebdo, length = self._durations(info)
        total = centre + (entreprise or 0)
        debut, fin = self._dates(info, length)
        short = total <= SHORT_SESSION_HOURS
        if short:  # F1: one yearly session with entrée-sortie permanente
            debut, fin = date(debut.year, 1, 1), date(debut.year, 12, 31)
        siege = info.siege
        antennes = self.antennes_of.get(siege.id)
        # F3: the OF responsable or one of its antennes; F4/F12: lieux among the formateur's
        formateur = rng.choice(antennes) if antennes and rng.random() < 0.3 else siege
        lieu = rng.choice(formateur.lieux)
        contrat_pro = bool(self.cp_mesures) and info.contrat_pro_ok and rng.random() < 0.1
        has_blocs = bool(info.blocs) and self.totale is not None
        created = min(today, debut - timedelta(days=rng.randint(15, 120)))
        rows["session"].append({
            "id": session_id, "reference": reference_for("S", session_id), "formation_id": info.id,
            "etat": self._etat(info, debut, fin), "debut": debut, "fin": fin, "a_la_demande": False,
            "entree_sortie_permanente": short,
            "contact_id": rng.choice(formateur.contacts if rng.random() < 0.5 else siege.contacts),
            "contact_autre": None, "referent_handicap": None, "referent_mobilite": None,
            "duree_centre": centre, "duree_entreprise": entreprise, "duree_totale": total,
            "duree_hebdomadaire": hebdo, "duree_indicative": None, "duree_commentaire": None,
            "prerequis": "Savoir lire, écrire et compter." if rng.random() < 0.5 else None,
            "type_parcours_id": rng.choice(self.parcours), "modalites_commentaire": None, "equipements": None,
            "modalite_enseignement_id": self.enseignement[rng.random() < 0.15],
            "niveau_entree_id": info.niveau_entree_id, "niveau_entree_obligatoire": rng.random() < 0.2,
            "lieu_inscription_id": rng.choice(formateur.lieux)[0],
            "modalites_inscription": "Sur dossier et entretien individuel." if rng.random() < 0.4 else None,
            "url_session": None,
            "validation_blocs_id": self.totale if has_blocs else None,
            "created_at": _stamp(created, rng), "updated_at": _stamp(created, rng),
        })
        rows["session_formateur"].append({"id": self.next_id("session_formateur"), "session_id": session_id,
                                          "structure_id": formateur.id, "principal": True})
        rows["session_lieu"].append({"id": self.next_id("session_lieu"), "session_id": session_id,
                                     "lieu_id": lieu[0], "principal": True, "a_verifier": False})
        self._financements(rows["financement"], session_id, info, contrat_pro, total, debut, fin)
        self._recrutements(rows["recrutement"], session_id, lieu, debut, fin)
        if info.apprentissage:
            self._cycles(rows["cycle_alternance"], session_id, info.duree_cycle or 1)
        # F11 rythme; F7: a contrat de professionnalisation session is "en alternance"
        if info.apprentissage or contrat_pro:
            code = "03"
        else:
            code = "01" if hebdo >= 30 else rng.choice(("02", "04"))
        if self.rythme[code]:
            rows["session_rythme"].append({"session_id": session_id, "nomenclature_id": self.rythme[code]})
        if has_blocs:  # F9: validation totale selects every bloc (and apprentissage requires it)
            rows["session_bloc"].extend({"session_id": session_id, "bloc_competences_id": bloc}
                                        for bloc in info.blocs)

    def _financements(self, out: list, session_id: int, info: _Formation, contrat_pro: bool, total: int,
                      debut: date, fin: date) -> None:
        """F6: 1–2 financements with a financeur → mesure pair that exists; E7: apprentissage
        alone in its formation; F7: a contrat de professionnalisation alone in its session."""
        rng = self.rng
        if info.apprentissage and self.app_mesures:
            chosen = [rng.choice(self.app_mesures)]
        elif contrat_pro:
            chosen = [rng.choice(self.cp_mesures)]
        else:
            # F1: an AIF (individualised) session is a yearly one: only the short sessions are
            pool = self.other_mesures if total <= SHORT_SESSION_HOURS else [
                m for m in self.other_mesures if m[2] not in AIF_MESURES]
            chosen = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))
        etat_recrutement = self.etat_recrutement[0 if fin >= self.today else 1]
        for financeur_id, mesure_id, mesure_code, _ in chosen:
            price = total * rng.randint(800, 2500)  # cents: 8 to 25 € an hour
            frais = rng.choice((None, None, 5000, 9000, 15000))
            public = mesure_code in ("CR-PRF", "FT-AFC")  # collective actions under a public contract
            out.append({
                "id": self.next_id("financement"), "session_id": session_id, "financeur_id": financeur_id,
                "mesure_id": mesure_id, "etat_dispositif_id": self.conventionne if public else None,
                "etat_recrutement_id": etat_recrutement, "nb_places": rng.randint(1, 24),
                "numero_marche": f"{debut:%y}-{mesure_code}-{rng.randrange(10000):04d}" if public else None,
                "prix_total": _dec(price), "frais_inscription": _dec(frais) if frais else None,
                "frais_materiel": None, "prix_ht": _dec(price), "tva": None, "prix_ttc": None,
                "commentaire": None, "conditions_prise_en_charge": None,
            })

    def _recrutements(self, out: list, session_id: int, lieu, debut: date, fin: date) -> None:
        """F13: one of ISC/RDVI/ICO at least, sometimes a second modality; ICO/RDVI on one day
        before the start, between 07:00 and 20:00, 1–299 places, at the lieu unless remote."""
        rng = self.rng
        if not self.positioning:
            return
        kinds = [rng.choices([c for c, _ in self.positioning], weights=[w for _, w in self.positioning])[0]]
        if rng.random() < 0.4:
            others = [c for c, _ in self.positioning if c not in kinds] + self.documentary
            if others:
                kinds.append(rng.choice(others))
        for number, code in enumerate(kinds, start=1):
            row = {"id": self.next_id("recrutement"), "session_id": session_id,
                   "modalite_id": self.modalites[code], "numero": f"{code[-2:]}-{number}",
                   "date_debut": None, "date_fin": None, "heure_debut": None, "heure_fin": None,
                   "nb_places": None, "a_distance": False, "url": None, "ligne": None, "code_postal": None,
                   "ville": None, "commentaire": None}
            if code in ("MR.08", "MR.09"):
                day = min(fin, debut - timedelta(days=rng.randint(3, 45)))
                begin = rng.randint(14, 34)  # in half hours: 07:00 to 17:00
                remote = rng.random() < 0.1
                row.update(date_debut=day, date_fin=day, heure_debut=_half_hour(begin),
                           heure_fin=_half_hour(min(40, begin + rng.randint(2, 6))),  # 20:00 at most
                           nb_places=rng.randint(8, 40) if code == "MR.09" else rng.randint(1, 10),
                           a_distance=remote, url="https://visio.example.org/recrutement" if remote else None)
                if not remote:
                    row.update(ligne=lieu[1][:50], code_postal=lieu[2], ville=lieu[3])
            elif code == "MR.07":  # a candidature period ending before the start
                period_start = debut - timedelta(days=rng.randint(30, 90))
                row.update(date_debut=period_start,
                           date_fin=max(period_start, debut - timedelta(days=rng.randint(1, 10))),
                           nb_places=rng.randint(5, 30))
            out.append(row)

    def _cycles(self, out: list, session_id: int, years: int) -> None:
        """F8: one cycle per year of the apprentissage, capacities consistent."""
        rng = self.rng
        type_cycle, type_alternance, semaine = self.cycle_ids
        for year in range(1, years + 1):
            simultanee = rng.randint(8, 24)
            out.append({
                "id": self.next_id("cycle_alternance"), "session_id": session_id, "annee": year,
                "type_cycle_id": type_cycle, "type_alternance_id": type_alternance,
                "effectif_minimal": rng.randint(4, simultanee), "capacite_simultanee": simultanee,
                "capacite_cumulee": simultanee + rng.randint(0, 8), "unite_rythme_id": semaine,
                "unites_centre": rng.randint(1, 2), "unites_entreprise": rng.randint(2, 4),
            })


# --- loading -------------------------------------------------------------------------------


def _tables():
    from flask_appbuilder import Model

    import app.models  # noqa: F401  (registers every table on FAB's metadata)

    return {name: Model.metadata.tables[name] for name in TABLES}


def count_region_structures(session) -> int:
    from sqlalchemy import func, select

    from app.models import Structure

    return session.execute(select(func.count(Structure.id)).where(
        Structure.reference.like(REGION_REFERENCE_LIKE), Structure.id > REGION_ID_BASE)).scalar_one()


def load_region(session, structures: int = 3000, formations: int = 15000, sessions: int = 60000,
                seed: int = 2026, today: date | None = None) -> str:
    """Write the region-sized dataset in one transaction (committed) and return a French
    one-line summary; does nothing when `structures` dataset structures are already there."""
    from sqlalchemy import func, select, text

    started = _time.perf_counter()
    existing = count_region_structures(session)
    if existing >= structures:
        return (f"Jeu de données régional déjà présent ({existing} structures de référence 6xxxxxO) : "
                f"rien à générer.")
    tables = _tables()
    first_ids = {}
    for name in ID_TABLES:
        current = session.execute(select(func.coalesce(func.max(tables[name].c.id), 0))).scalar_one()
        first_ids[name] = max(current, REGION_ID_BASE if name in MARKED_TABLES else 0) + 1
    refs = read_refdata(session)
    bind = session.get_bind()
    # Plain executemany: adding RETURNING to get SQLAlchemy's multi-row "insertmanyvalues" on
    # psycopg 3 was measured 2x slower (Python-side rendering), so it is not used.
    counts = dict.fromkeys(TABLES, 0)
    for name, rows in plan_region(refs, first_ids, structures=structures, formations=formations,
                                  sessions=sessions, seed=seed, today=today or date.today()):
        statement = tables[name].insert()
        for offset in range(0, len(rows), BATCH_SIZE):
            session.execute(statement, rows[offset:offset + BATCH_SIZE])
        counts[name] += len(rows)
    if bind.dialect.name == "postgresql":
        for name in ID_TABLES:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"(SELECT MAX(id) FROM {name}))"))
    session.commit()
    if bind.dialect.name == "postgresql":
        session.execute(text("ANALYZE " + ", ".join(TABLES)))
    else:
        session.execute(text("ANALYZE"))
    session.commit()
    elapsed = _time.perf_counter() - started
    return (f"{counts['structure']} structures, {counts['formation']} formations, {counts['session']} "
            f"sessions générées en {elapsed:.0f} s.")
