"""The yardstick of `make bench`'s LHEO figures: a hand-written writer of the same offer — an
`lxml.etree.xmlfile` fed by raw SQL (temporary tables of the formations and sessions in the
national perimeter, then one ordered query per child list, merged as they stream), writing the
same sessions and, as far as practical, the same elements as app/lheo. No cleaning, no schema
check, no gap report, no mapping of codes beyond what SQL gives: the floor the exporter is
measured against. Figures only; not used by the application.
"""
from __future__ import annotations

from datetime import date, timedelta

from lxml import etree
from sqlalchemy import text

from app.validators.geo import DEPARTEMENT_REGION

NS = "http://lheo.gouv.fr/2.3"
P = f"{{{NS}}}"

PERIMETER = """
CREATE TEMPORARY TABLE bench_f AS
SELECT f.id FROM formation f JOIN structure r ON r.id = f.structure_id
WHERE f.etat = 'diffusee' AND f.draft_of_id IS NULL
  AND EXISTS (SELECT 1 FROM session s WHERE s.formation_id = f.id AND s.etat = 'diffusee' AND NOT s.in_draft
              AND (s.fin IS NULL OR s.fin >= :since))
  AND NOT EXISTS (  -- E3: a certification nobody of the formation is habilitated for
    SELECT 1 FROM formation_certification fc JOIN certification c ON c.id = fc.certification_id
    WHERE fc.formation_id = f.id AND NOT c.education_nationale AND NOT EXISTS (
      SELECT 1 FROM habilitation h JOIN structure hs ON hs.id = h.structure_id
      WHERE h.certification_id = c.id AND (hs.siret = r.siret OR hs.siret IN (
        SELECT fs.siret FROM session s2 JOIN session_formateur sf ON sf.session_id = s2.id
        JOIN structure fs ON fs.id = sf.structure_id WHERE s2.formation_id = f.id))))
"""
SESSIONS = """
CREATE TEMPORARY TABLE bench_s AS
SELECT s.id, s.formation_id FROM session s JOIN bench_f ON bench_f.id = s.formation_id
WHERE s.etat = 'diffusee' AND NOT s.in_draft AND (s.fin IS NULL OR s.fin >= :since)
"""
QUERIES = {
    "formation": """SELECT f.id, f.reference, f.intitule, f.objectifs, f.resultats, f.contenu, f.certifiante,
        f.duree_cycle, f.mots_cles, f.metiers_vises, f.plus_formation, ne.code, r.reference, r.nda, p.nda, r.siret,
        r.enseigne, r.raison_sociale, r.ligne, r.code_postal, r.ville, r.code_insee, r.departement_code,
        f.created_at, f.updated_at, og.code, ns.code, f.url_page, r.uai, r.created_at, r.updated_at,
        r.qualiopi_action_formation, r.qualiopi_apprentissage, ty.libelle, r.ape, f.apprentissage
        FROM bench_f JOIN formation f ON f.id = bench_f.id JOIN structure r ON r.id = f.structure_id
        LEFT JOIN structure p ON p.id = r.parent_id LEFT JOIN nomenclature ne ON ne.id = f.niveau_entree_id
        LEFT JOIN nomenclature og ON og.id = f.objectif_general_id LEFT JOIN nomenclature ns ON ns.id = f.niveau_sortie_id
        LEFT JOIN nomenclature ty ON ty.id = r.type_id
        ORDER BY f.id""",
    "certification": """SELECT fc.formation_id, c.code_rncp, c.certif_info, c.code_rs FROM formation_certification fc
        JOIN bench_f ON bench_f.id = fc.formation_id JOIN certification c ON c.id = fc.certification_id
        ORDER BY fc.formation_id, fc.principal DESC, fc.id""",
    "formacode": """SELECT ff.formation_id, n.code FROM formation_formacode ff JOIN bench_f ON bench_f.id = ff.formation_id
        JOIN nomenclature n ON n.id = ff.nomenclature_id ORDER BY ff.formation_id, n.code""",
    "coordonnee": """SELECT f.id, c.nature, c.valeur FROM bench_f JOIN formation f ON f.id = bench_f.id
        JOIN coordonnee c ON c.structure_id = f.structure_id WHERE c.diffusion ORDER BY f.id, c.principal DESC, c.id""",
    "contact": """SELECT f.id, t.code, c.civilite, c.nom, c.prenom, c.telephone, c.email FROM bench_f
        JOIN formation f ON f.id = bench_f.id JOIN structure_contact c ON c.structure_id = f.structure_id
        LEFT JOIN nomenclature t ON t.id = c.type_contact_id WHERE c.diffusion ORDER BY f.id, c.principal DESC, c.id""",
    "session": """SELECT s.id, s.formation_id, s.reference, s.debut, s.fin, s.entree_sortie_permanente,
        s.niveau_entree_obligatoire, s.prerequis, s.duree_centre, s.duree_entreprise, s.duree_totale,
        me.code, tp.code, l.nom, l.ligne, l.code_postal, l.ville, l.code_insee, l.latitude, l.longitude,
        ct.code, c.civilite, c.nom, c.prenom, c.telephone, c.email,
        s.created_at, s.updated_at, s.modalites_inscription, s.url_session, s.duree_hebdomadaire, c.id
        FROM bench_s JOIN session s ON s.id = bench_s.id LEFT JOIN nomenclature me ON me.id = s.modalite_enseignement_id
        LEFT JOIN nomenclature tp ON tp.id = s.type_parcours_id LEFT JOIN lieu l ON l.id = s.lieu_inscription_id
        LEFT JOIN structure_contact c ON c.id = s.contact_id LEFT JOIN nomenclature ct ON ct.id = c.type_contact_id
        ORDER BY s.formation_id, s.id""",
    "rythme": """SELECT x.session_id, n.libelle FROM session_rythme x JOIN bench_s s ON s.id = x.session_id
        JOIN nomenclature n ON n.id = x.nomenclature_id ORDER BY s.formation_id, s.id, n.libelle""",
    "public": """SELECT f.session_id, n.code FROM financement f JOIN bench_s s ON s.id = f.session_id
        JOIN mesure_public mp ON mp.mesure_id = f.mesure_id JOIN nomenclature n ON n.id = mp.nomenclature_id
        ORDER BY s.formation_id, s.id, f.id, n.code""",
    "lieu": """SELECT x.session_id, l.nom, l.ligne, l.code_postal, l.ville, l.code_insee, l.latitude, l.longitude,
        l.siret, l.uai FROM session_lieu x JOIN bench_s s ON s.id = x.session_id JOIN lieu l ON l.id = x.lieu_id
        ORDER BY s.formation_id, s.id, x.principal DESC, x.id""",
    "recrutement": """SELECT r.session_id, m.code, r.a_distance, r.ligne, r.code_postal, r.ville, r.url, r.nb_places,
        r.date_debut, r.date_fin, r.heure_debut, r.heure_fin, r.commentaire FROM recrutement r
        JOIN bench_s s ON s.id = r.session_id JOIN nomenclature m ON m.id = r.modalite_id ORDER BY s.formation_id, s.id, r.id""",
    "bloc": """SELECT x.session_id, b.code, b.libelle, c.code_rncp FROM session_bloc x JOIN bench_s s ON s.id = x.session_id
        JOIN bloc_competences b ON b.id = x.bloc_competences_id JOIN certification c ON c.id = b.certification_id
        ORDER BY s.formation_id, s.id, b.code""",
    "cycle": """SELECT y.session_id, tc.code, y.annee, y.effectif_minimal, y.capacite_simultanee, y.capacite_cumulee,
        ta.code, ur.code, y.unites_entreprise, y.unites_centre FROM cycle_alternance y JOIN bench_s s ON s.id = y.session_id
        LEFT JOIN nomenclature tc ON tc.id = y.type_cycle_id LEFT JOIN nomenclature ta ON ta.id = y.type_alternance_id
        LEFT JOIN nomenclature ur ON ur.id = y.unite_rythme_id ORDER BY s.formation_id, s.id, y.annee""",
    "formateur": """SELECT x.session_id, st.reference, st.siret, st.raison_sociale, st.uai, st.created_at,
        st.updated_at, t.code, c.civilite, c.nom, c.prenom, c.telephone, c.email FROM session_formateur x
        JOIN bench_s s ON s.id = x.session_id JOIN structure st ON st.id = x.structure_id
        LEFT JOIN structure_contact c ON c.structure_id = st.id AND c.principal AND c.diffusion
        LEFT JOIN nomenclature t ON t.id = c.type_contact_id
        ORDER BY s.formation_id, s.id, x.principal DESC, x.id""",
    "financement": """SELECT f.session_id, fi.code, fi.libelle, m.code, m.libelle, ed.libelle, f.numero_marche, f.nb_places,
        er.code, f.prix_total, er.libelle, ed.code, f.prix_ttc, f.frais_inscription, f.conditions_prise_en_charge
        FROM financement f JOIN bench_s s ON s.id = f.session_id
        JOIN financeur fi ON fi.id = f.financeur_id JOIN mesure m ON m.id = f.mesure_id
        LEFT JOIN nomenclature ed ON ed.id = f.etat_dispositif_id LEFT JOIN nomenclature er ON er.id = f.etat_recrutement_id
        ORDER BY s.formation_id, s.id, f.id""",
}


class Stream:
    """Rows of an ordered query, taken group by group as the parents go by (a merge join)."""

    def __init__(self, rows, key: int = 0):
        self.rows, self.key = iter(rows), key
        self.row = next(self.rows, None)

    def take(self, key) -> list:
        found = []
        while self.row is not None and self.row[self.key] == key:
            found.append(self.row)
            self.row = next(self.rows, None)
        return found


def _sub(parent, tag, value=None, **attributes):
    node = etree.SubElement(parent, P + tag, attributes) if attributes else etree.SubElement(parent, P + tag)
    if value is not None:
        node.text = str(value)
    return node


def _date(value) -> str:
    return str(value).replace("-", "")[:8] if value else ""


def _stamp(value) -> str:
    return str(value)[:19].replace(" ", "T") + "Z" if value else ""


def _stamps(created, updated, dates: bool = True) -> dict:
    attributes = {"horodatage-creation": _stamp(created), "horodatage-modification": _stamp(updated)}
    if dates:
        attributes.update(datecrea=_date(created), datemaj=_date(updated))
    return attributes


def _adresse(parent, nom, ligne, cp, ville, insee=None, lat=None, lng=None, departement=None):
    node = _sub(parent, "adresse")
    if nom:
        _sub(node, "denomination", nom)
    _sub(node, "ligne", ligne or "-")
    _sub(node, "codepostal", cp or "00000")
    _sub(node, "ville", ville or "-")
    departement = departement or (cp[:2] if cp else None)
    if departement:
        _sub(node, "departement", departement)
    if insee:
        _sub(node, "code-INSEE-commune", insee)
    if departement in DEPARTEMENT_REGION:
        _sub(node, "region", DEPARTEMENT_REGION[departement])
    if lat is not None:
        geo = _sub(node, "geolocalisation")
        _sub(geo, "latitude", lat)
        _sub(geo, "longitude", lng)


def _person(parent, tag, row) -> None:
    node = _sub(parent, tag)
    if row[0]:
        _sub(node, "type-contact", row[0])
    coords = _sub(node, "coordonnees")
    for name, value in zip(("civilite", "nom", "prenom"), row[1:4]):
        if value:
            _sub(coords, name, value)
    if row[4]:
        _sub(_sub(coords, "telfixe"), "numtel", row[4])
    if row[5]:
        _sub(coords, "courriel", row[5])


def _extras(parent, info, pairs) -> None:
    pairs = [(key, value) for key, value in pairs if value is not None and value != ""]
    if pairs:
        node = _sub(parent, "extras", info=info)
        for key, value in pairs:
            _sub(node, "extra", value, info=key)


def raw_export(connection, path: str, prefix: str = "14", today: date | None = None) -> tuple[int, int]:
    """Write the offer to `path`; returns (formations, sessions) written."""
    since = (today or date.today()) - timedelta(days=30)
    for statement in ("DROP TABLE IF EXISTS bench_s", "DROP TABLE IF EXISTS bench_f"):
        connection.execute(text(statement))
    connection.execute(text(PERIMETER), {"since": since})
    connection.execute(text(SESSIONS), {"since": since})
    streaming = connection.execution_options(stream_results=True, yield_per=2000)
    streams = {name: Stream(streaming.execute(text(sql)), key=1 if name == "session" else 0)
               for name, sql in QUERIES.items() if name != "formation"}
    formations = sessions_written = 0
    with open(path, "wb") as out, etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(P + "lheo", nsmap={None: NS}), xf.element(P + "offres"):
            for f in streaming.execute(text(QUERIES["formation"])):
                xf.write(_formation(f, streams, prefix), pretty_print=True)
                formations += 1
                sessions_written += len(streams["session"].last)
    return formations, sessions_written


def _formation(f, streams, prefix):
    node = etree.Element(P + "formation", {"numero": f"{prefix}_{f[1]}", **_stamps(f[23], f[24])}, nsmap={None: NS})
    domaine = _sub(node, "domaine-formation")
    for row in streams["formacode"].take(f[0]):
        _sub(domaine, "code-FORMACODE", row[1], ref="V14")
    _sub(node, "intitule-formation", f[2])
    for index, tag in ((3, "objectif-formation"), (4, "resultats-attendus"), (5, "contenu-formation")):
        _sub(node, tag, f[index] or "-")
    _sub(node, "certifiante", "1" if f[6] else "0")
    contacts = streams["contact"].take(f[0])
    coordonnees = streams["coordonnee"].take(f[0])
    session_rows = streams["session"].take(f[0])
    streams["session"].last = session_rows
    people = {row[31]: row[20:26] for row in session_rows if row[21]}
    for person in people.values() or [contacts[0][1:] if contacts else (None, None, f[17], None, None, None)]:
        _person(node, "contact-formation", person)
    _sub(node, "parcours-de-formation", session_rows[0][12] or "1")
    _sub(node, "code-niveau-entree", f[11] or "0")
    if f[25]:
        _sub(node, "objectif-general-formation", f[25])
    certifications = streams["certification"].take(f[0])
    for row in certifications:
        cert = _sub(node, "certification")
        if row[1]:
            _sub(cert, "code-RNCP", row[1].removeprefix("RNCP"))
        if row[3]:
            _sub(cert, "code-RS", row[3])
    if f[26]:
        _sub(node, "code-niveau-sortie", f[26])
    if f[27]:
        _sub(_sub(node, "url-formation"), "urlweb", f[27])
    for s in session_rows:
        _action(node, f, s, streams, prefix, certifications)
    _responsable(node, f, contacts, coordonnees, prefix)
    _extras(node, "formation", (("mots-cles", f[8]), ("metiers-vises", f[9]), ("le-plus-de-la-formation", f[10]),
                                ("apprentissage", "1" if f[35] else "0")))
    return node


def _action(parent, f, s, streams, prefix, certifications) -> None:
    number = f"{prefix}_{s[2]}"
    action = _sub(parent, "action", numero=number, **_stamps(s[26], s[27]))
    _sub(action, "rythme-formation", ", ".join(r[1] for r in streams["rythme"].take(s[0])) or "-")
    for code in dict.fromkeys(r[1] for r in streams["public"].take(s[0])) or ["83056"]:
        _sub(action, "code-public-vise", code, ref="V10")
    _sub(action, "niveau-entree-obligatoire", "1" if s[6] else "0")
    cycles = streams["cycle"].take(s[0])
    alternance = " ; ".join(f"année {r[2]} : {r[9]} en centre, {r[8]} en entreprise" for r in cycles if r[7])
    if s[9]:
        alternance += f" {s[8] or 0} h en centre, {s[9]} h en entreprise."
    _sub(action, "modalites-alternance", alternance or "Sans alternance.")
    _sub(action, "modalites-enseignement", s[11] or "0")
    _sub(action, "conditions-specifiques", s[7] or "aucune")
    financements = streams["financement"].take(s[0])
    _sub(action, "prise-en-charge-frais-possible", "1" if any(r[1] != "10" for r in financements) else "0")
    for row in streams["lieu"].take(s[0]):
        lieu = _sub(action, "lieu-de-formation")
        if row[8]:
            _sub(_sub(lieu, "SIRET-lieu-formation"), "SIRET", row[8])
        if row[9]:
            _sub(_sub(lieu, "code-UAI-lieu-formation"), "code-UAI", row[9])
        _adresse(_sub(lieu, "coordonnees"), *row[1:8])
    _sub(action, "modalites-entrees-sorties", "1" if s[5] else "0")
    if f[7]:
        _sub(action, "duree-cycle", f[7])
    recrutements = streams["recrutement"].take(s[0])
    _session(action, s, number, financements, recrutements, cycles, streams, certifications)
    icos = [r for r in recrutements if r[1] == "MR.09" and r[8]]
    if icos and icos[0][3] and not icos[0][2]:
        _adresse(_sub(action, "adresse-information"), None, icos[0][3], icos[0][4], icos[0][5])
    for row in icos[:3]:
        _sub(_sub(action, "date-information"), "date", _date(row[8]))
    priced = [r for r in financements if r[12] is not None or r[9] is not None]
    fees = [r[13] for r in financements if r[13] is not None]
    if fees:
        _sub(action, "frais-restants", f"Frais d'inscription : {float(fees[0]):.2f} €")
    if priced:
        price = float(priced[0][12] if priced[0][12] is not None else priced[0][9])
        if s[10]:
            _sub(action, "prix-horaire-TTC", f"{price / s[10]:.2f}")
        _sub(action, "prix-total-TTC", f"{price:.2f}")
    for index, tag in ((8, "nombre-heures-centre"), (9, "nombre-heures-entreprise"), (10, "nombre-heures-total")):
        if s[index] is not None:
            _sub(action, tag, s[index])
    etats = [r[11] for r in financements if r[11]]
    if etats:
        _sub(action, "conventionnement", "1" if "02" in etats else "0")
        if "02" in etats and s[10]:
            _sub(action, "duree-conventionnee", s[10])
    for row in streams["formateur"].take(s[0]):
        formateur = _sub(action, "organisme-formateur", numero=f"{prefix}_{row[1]}", **_stamps(row[5], row[6], False))
        _sub(_sub(formateur, "SIRET-formateur"), "SIRET", row[2])
        _sub(formateur, "raison-sociale-formateur", row[3])
        if row[9]:
            _person(formateur, "contact-formateur", row[7:13])
        if row[4]:
            _sub(_sub(formateur, "code-UAI-formateur"), "code-UAI", row[4])
    places: dict[str, int] = {}
    for row in financements:
        places[row[1]] = places.get(row[1], 0) + (row[7] or 0)
    for code, count in list(places.items())[:8]:
        financeur = _sub(action, "organisme-financeur")
        _sub(financeur, "code-financeur", code)
        _sub(financeur, "nb-places-financees", count)
    if financements:
        group = _sub(action, "extras", info="financements")
        for row in financements:
            _extras(group, "financement", (
                ("code-financeur", row[1]), ("financeur", row[2]), ("code-dispositif", row[3]), ("dispositif", row[4]),
                ("etat-dispositif", row[5]), ("numero-marche", row[6]), ("nb-places", row[7]),
                ("etat-recrutement", row[10]),
                ("prix-total", f"{float(row[9]):.2f}" if row[9] is not None else None)))


def _session(action, s, number, financements, recrutements, cycles, streams, certifications) -> None:
    session = _sub(action, "session", numero=number, **_stamps(s[26], s[27]))
    periode = _sub(session, "periode")
    _sub(periode, "debut", _date(s[3]) or "00000000")
    _sub(periode, "fin", _date(s[4]) or "99999999")
    _adresse(_sub(session, "adresse-inscription"), *s[13:20])
    if s[28]:
        _sub(session, "modalites-inscription", s[28])
    iscs = [r for r in recrutements if r[1] == "MR.07" and r[8]]
    if iscs:
        periode = _sub(_sub(session, "periode-inscription"), "periode")
        _sub(periode, "debut", _date(iscs[0][8]))
        _sub(periode, "fin", _date(iscs[0][9]) or "99999999")
    etats = [r[8] for r in financements if r[8]]
    if etats:
        _sub(session, "etat-recrutement", etats[0])
    for row in recrutements:
        item = _sub(session, "recrutement")
        _sub(item, "modalite-recrutement", row[1][-1])
        _sub(item, "a-distance", "1" if row[2] else "0")
        if row[3] and not row[2]:
            _adresse(item, None, row[3], row[4], row[5])
        if row[6]:
            _sub(item, "urlweb", row[6])
        if row[7] is not None:
            _sub(item, "nb-places", row[7])
        if row[8]:
            periode = _sub(item, "periode")
            _sub(periode, "debut", _date(row[8]))
            _sub(periode, "fin", _date(row[9]) or "99999999")
        for index, tag in ((10, "heure-debut"), (11, "heure-fin")):
            if row[index]:
                _sub(item, tag, str(row[index])[:5].replace(":", "h"))
        if row[12]:
            _sub(item, "commentaire", row[12])
    if s[29]:
        _sub(_sub(session, "url-session"), "urlweb", s[29])
    if s[21]:
        _person(session, "contact-session", s[20:26])
    for row in certifications:
        if row[1]:
            _sub(_sub(session, "reference-certification"), "reference-code-RNCP", row[1].removeprefix("RNCP"))
    blocs = streams["bloc"].take(s[0])
    if blocs:
        node = _sub(session, "blocs-competences")
        _sub(node, "validation-blocs", "1")
        _sub(_sub(node, "reference-certification"), "reference-code-RNCP", blocs[0][3].removeprefix("RNCP"))
        for row in blocs:
            bloc = _sub(node, "bloc-competences")
            _sub(bloc, "libelle-bloc", row[2])
            _sub(bloc, "code-bloc", row[1])
    for row in cycles:
        cycle = _sub(session, "cycle")
        _sub(cycle, "type-cycle", row[1] or "1")
        for value, tag in zip(row[2:6], ("annee-cycle", "effectif-minimal", "capacite-simultanee", "capacite-cumulee")):
            if value is not None:
                _sub(cycle, tag, value)
        if row[6]:
            alternance = _sub(cycle, "alternance")
            _sub(alternance, "type-alternance", row[6])
            rythme = _sub(alternance, "rythme-alternance")
            for value, tag in zip(row[7:10], ("unite-rythme-alternance", "unites-entreprise", "unites-centre")):
                _sub(rythme, tag, value)
    if s[30] is not None:
        _extras(session, "session", (("duree-hebdomadaire", f"{float(s[30]):.2f}"),))


def _responsable(parent, f, contacts, coordonnees, prefix) -> None:
    node = _sub(parent, "organisme-formation-responsable", numero=f"{prefix}_{f[12]}", **_stamps(f[29], f[30], False))
    _sub(node, "numero-activite", f[13] or f[14] or "99999999999")
    _sub(_sub(node, "SIRET-organisme-formation"), "SIRET", f[15])
    _sub(node, "nom-organisme", f[16] or f[17])
    _sub(node, "raison-sociale", f[17])
    coords = _sub(_sub(node, "coordonnees-organisme"), "coordonnees")
    _adresse(coords, None, f[18], f[19], f[20], f[21], departement=f[22])
    by_nature: dict[str, list] = {}
    for row in coordonnees:
        by_nature.setdefault(row[1], []).append(row[2])
    if by_nature.get("telephone"):
        _sub(_sub(coords, "telfixe"), "numtel", by_nature["telephone"][0])
    if by_nature.get("email"):
        _sub(coords, "courriel", by_nature["email"][0])
    if by_nature.get("web"):
        _sub(_sub(coords, "web"), "urlweb", by_nature["web"][0])
    _person(node, "contact-organisme", contacts[0][1:] if contacts else (None, None, f[17], None, None, None))
    qualiopi = [label for flag, label in ((f[31], "actions de formation"), (f[32], "apprentissage")) if flag]
    if qualiopi:
        _sub(node, "renseignements-specifiques", f"Certifié Qualiopi : {', '.join(qualiopi)}.")
    if f[28]:
        _sub(_sub(node, "code-UAI-organisme-formation"), "code-UAI", f[28])
    _extras(node, "organisme", (("reference", f[12]), ("type", f[33]), ("code-APE", f[34])))
