"""The Carif-Oref's validation queue (SPEC K1, K4, G5): filters, the change field by field against
the published version, accept / ask for information / reject one by one or in bulk, with a
comment, and codification at acceptance."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.commands import Invalid
from app.commands.actor import actor_of
from app.commands.codify import CODE_LISTS, Codification, ReviewDecision
from app.commands.transition import FireTransitions
from app.extensions import db
from app.models import Formation, Nomenclature, NomenclatureKind, Structure, StructureChange, StructureChangeEtat
from app.models.workflow import FormationEtat
from app.security.permissions import ACTION_READ, ACTION_REVIEW, RESOURCE_QUEUE
from app.security.scope import scoped
from app.views.labels import LABELS
from app.workflow.diff import formation_diff
from app.validators import ERROR
from app.workflow.transitions import TRANSITIONS, available

DECISIONS = ("accept", "ask_information", "reject")  # the bulk decisions of the queue
REVIEW_DECISIONS = DECISIONS + ("archive", "refuse_archive")
PAGE_SIZE = 50  # the queue's default page; `psize_ValidationQueueView` chooses up to MAX_PAGE_SIZE
MAX_PAGE_SIZE = 100
# Same argument names as FAB's lists (page_<View>, psize_<View>, 0-based pages).
PAGE_ARG, PSIZE_ARG = "page_ValidationQueueView", "psize_ValidationQueueView"


def _label(name: str) -> str:
    return str(LABELS.get(name, name.replace("_", " ").capitalize()))


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdecimal() and int(v) < 2**31]


def _codification(form) -> Codification:
    """K4's fields of the review form as plain ids; a list not sent is left as it is."""
    lists = {name: tuple(_ids(form.getlist(name))) if name + "_sent" in form else None for name in CODE_LISTS}
    etat = _ids([form.get("etat_dispositif", "")])
    return Codification(**lists, etat_dispositif=etat[0] if etat else None)


def _page_args() -> tuple[int, int]:
    """The page asked for (0-based) and its size, bounded; anything else is the first page."""
    page, size = request.args.get(PAGE_ARG, ""), request.args.get(PSIZE_ARG, "")
    page = int(page) if page.isdecimal() and int(page) < 2**31 else 0
    size = min(int(size), MAX_PAGE_SIZE) if size.isdecimal() and int(size) > 0 else PAGE_SIZE
    return page, size


def _count(query, column) -> int:
    """The number of rows of `query` (same FROM and WHERE, no loader options)."""
    return db.session.execute(query.with_only_columns(func.count(column)).order_by(None)).scalar_one()


def _page(query, page: int, size: int) -> list:
    return db.session.execute(query.limit(size).offset(page * size)).scalars().all()


def _queue_url(text: str, kind: str, page: int, size: int) -> str:
    """A page of the queue with its filters kept in the URL."""
    args = {name: value for name, value in (("q", text), ("type", kind)) if value}
    if page:
        args[PAGE_ARG] = page
    if size != PAGE_SIZE:
        args[PSIZE_ARG] = size
    return url_for("ValidationQueueView.queue", **args)


class ValidationQueueView(BaseView):
    class_permission_name = RESOURCE_QUEUE
    route_base = "/validation"
    default_view = "queue"

    def _pending(self):
        query = (select(Formation).join(Structure, Structure.id == Formation.structure_id)
                 .where(or_(Formation.etat == FormationEtat.EN_ATTENTE, Formation.archive_requested_at.isnot(None)))
                 .options(joinedload(Formation.structure), joinedload(Formation.draft_of),
                          joinedload(Formation.motif_archivage)))
        return scoped(query, Formation, write=True)

    @expose("/")
    @has_access
    @permission_name(ACTION_READ)
    def queue(self):
        text = request.args.get("q", "").strip()[:100]
        kind = request.args.get("type", "")
        page, size = _page_args()
        query = self._pending()
        if text:
            like = f"%{text}%"
            query = query.where(or_(Formation.intitule.ilike(like), Formation.reference.ilike(like),
                                    Structure.raison_sociale.ilike(like), Structure.enseigne.ilike(like)))
        if kind == "creation":
            query = query.where(Formation.draft_of_id.is_(None), Formation.etat == FormationEtat.EN_ATTENTE)
        elif kind == "modification":
            query = query.where(Formation.draft_of_id.isnot(None))
        elif kind == "archivage":
            query = query.where(Formation.archive_requested_at.isnot(None))
        # Structure records (C9): the queue is the Carif-Oref's, who sees every structure.
        changes = (select(StructureChange).where(StructureChange.etat == StructureChangeEtat.EN_ATTENTE)
                   .options(joinedload(StructureChange.structure)))
        rows, total, structures, structures_total = [], 0, [], 0
        if kind == "structure":
            # The structure records are the paged list; on the other pages they follow the first page.
            structures_total = _count(changes, StructureChange.id)
            structures = _page(changes.order_by(StructureChange.submitted_at, StructureChange.id), page, size)
            total = structures_total
        else:
            total = _count(query, Formation.id)
            rows = _page(query.order_by(Formation.submitted_at, Formation.id), page, size)
            if kind == "" and page == 0:
                structures_total = _count(changes, StructureChange.id)
                structures = _page(changes.order_by(StructureChange.submitted_at, StructureChange.id), 0, size)
        pages = max(1, -(-total // size))
        return self.render_template("portal/queue.html", rows=rows, q=text, kind=kind, changes=structures,
                                    changes_total=structures_total, total=total, page=page, pages=pages,
                                    psize=size, default_psize=PAGE_SIZE,
                                    page_url=lambda n: _queue_url(text, kind, n, size),
                                    decisions=[TRANSITIONS[name] for name in DECISIONS])

    @expose("/bulk", methods=["POST"])
    @has_access
    @permission_name(ACTION_REVIEW)
    def bulk(self):
        name = request.form.get("decision", "")
        ids = _ids(request.form.getlist("rowid"))
        if name not in DECISIONS or not ids:
            flash("Choisissez des formations et une décision.", "warning")
            return redirect(url_for("ValidationQueueView.queue"))
        formations = db.session.execute(self._pending().where(Formation.id.in_(ids))).scalars().all()
        done, refused = FireTransitions(formations, name, g.user, comment=request.form.get("commentaire", "")).run()
        flash(f"{TRANSITIONS[name].label} : {done} formation(s) traitée(s).", "success" if done else "warning")
        for reason in refused:
            flash(reason, "danger")
        return redirect(url_for("ValidationQueueView.queue"))

    def _get(self, pk):
        """The formation with its tree (the checks read it without a query per session)."""
        from app.views.offer_tree import FORMATION_TREE, load_running_details

        if not str(pk).isdecimal() or int(pk) >= 2**31:
            return None
        formation = db.session.execute(scoped(select(Formation).where(Formation.id == int(pk))
                                              .options(*FORMATION_TREE), Formation,
                                              write=True)).unique().scalar_one_or_none()
        if formation is not None:
            load_running_details(formation)
        return formation

    @expose("/review/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_REVIEW)
    def review(self, pk):
        from app.views.offer import FormationView

        formation = self._get(pk)
        if formation is None:
            abort(404)
        error, comment = None, request.form.get("commentaire", "")
        if request.method == "POST":
            name = request.form.get("decision", "")
            if name not in REVIEW_DECISIONS:
                error = "Choisissez une décision."
            else:
                try:
                    result = ReviewDecision(formation, name, g.user, comment=comment,
                                            codification=_codification(request.form)).run()
                except Invalid as refused:
                    formation = self._get(pk) or abort(404)
                    error = str(refused)
                else:
                    flash(TRANSITIONS[name].done, "success")
                    if result is not None and db.session.get(Formation, result.id) is not None:
                        return redirect(url_for("FormationView.show", pk=result.id))
                    return redirect(url_for("ValidationQueueView.queue"))
        etats = db.session.execute(select(Nomenclature).where(Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF)
                                   .order_by(Nomenclature.ordre, Nomenclature.code)).scalars().all()
        checks = FormationView.checks_for(formation)  # the manager sees every session: the whole tree's problems
        return self.render_template(
            "portal/review.html", formation=formation, changes=formation_diff(formation, _label),
            blocking=[p for p in checks["problems"] if p.severity == ERROR], checks=checks,
            decisions=[t for t in available(formation, actor_of(g.user))
                       if t.name in DECISIONS or (t.name in REVIEW_DECISIONS and formation.archive_requested_at)],
            error=error, comment=comment, etats_dispositif=etats,
            chosen={"formacodes": formation.formacodes, "nsf": formation.nsf, "romes": formation.romes},
        )
