/* Behaviour of the portal's own forms (app/templates/portal/modal_form.html), on pages and in
   dialogs: a new formation pre-filled from its certification (SPEC E2). Fields added later (a
   dialog's form) are handled by delegated events. */
(function ($) {
  "use strict";

  function blank(field) {
    return !field || !String(field.value || "").replace(/<[^>]*>/g, "").trim();
  }

  function setValue(field, value) {
    if (!field) { return; }
    field.value = value;
    // Editors and select2 follow their field (app/static/js/richtext.js listens to this event).
    field.dispatchEvent(new CustomEvent("portal:value", {bubbles: true}));
    field.dispatchEvent(new Event("input", {bubbles: true}));  // the character counters
    $(field).trigger("change");
  }

  // E2: the certifiante formation's certification.
  function toggleCertification(form) {
    var certifiante = form.querySelector("#certifiante");
    var group = form.querySelector("#groupe-certification");
    if (certifiante && group) { group.hidden = !certifiante.checked; }
  }

  $(document).on("change", "form.portal-form #certifiante", function () { toggleCertification(this.form); });

  $(document).on("change", "form.portal-form select#certification", function () {
    var select = this, form = this.form, id = select.value;
    var note = form.querySelector("#certification-note");
    if (!note) {
      note = document.createElement("p");
      note.id = "certification-note";
      note.className = "help-block";
      note.setAttribute("role", "status");
      select.closest(".form-group").appendChild(note);
    }
    note.textContent = "";
    if (!id || id === "__None") { return; }
    fetch("/formationview/certification/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var filled = ["intitule", "objectifs", "contenu"].map(function (name) { return form.querySelector("#" + name); });
        var replace = filled.every(blank) ||
          window.confirm("Remplacer l'intitulé, les objectifs et le contenu déjà saisis par ceux de la certification ?");
        if (replace) {
          setValue(filled[0], data.intitule);
          setValue(filled[1], data.objectifs);
          setValue(filled[2], data.contenu);
        }
        var niveau = form.querySelector("#niveau_sortie");
        if (niveau && data.niveau_sortie && (replace || blank(niveau) || niveau.value === "__None")) {
          setValue(niveau, String(data.niveau_sortie));
        }
        var certifiante = form.querySelector("#certifiante");
        if (certifiante) { certifiante.checked = true; }
        note.textContent = (data.warning ? "⚠ " + data.warning + " " : "") +
          (data.valideurs ? "Valideurs : " + data.valideurs + "." : "");
        note.className = data.warning ? "help-block text-danger" : "help-block";
      });
  });

  // E5: live counter of rich-text fields — visible characters (tags excluded, spaces collapsed), as
  // the rule counts. DOMParser documents are inert: typed HTML is never run or loaded while counting.
  var parser = new DOMParser();
  window.portalCounters = function (root) {
    $(root).find("textarea[data-maxchars]").each(function () {
      if (this.getAttribute("data-counter")) { return; }
      this.setAttribute("data-counter", "1");
      var area = $(this), max = parseInt(area.data("maxchars"), 10);
      var counter = $('<p class="help-block char-counter" aria-live="polite"></p>').insertAfter(area);
      var update = function () {
        var visible = (parser.parseFromString(area.val(), "text/html").body.textContent || "").replace(/\s+/g, " ").trim().length;
        var left = max - visible;
        counter.text(left >= 0 ? left + " caractère(s) restant(s) sur " + max
                               : "Dépassement de " + (-left) + " caractère(s) (maximum " + max + ")");
        counter.toggleClass("text-danger", left < 0);
      };
      area.on("input", update);
      update();
    });
  };

  // F6: the mesure list follows the chosen financeur (the server checks the cascade too).
  function filterMesures(form) {
    var financeur = form.querySelector("select#financeur"), mesure = form.querySelector("select#mesure");
    if (!window.MESURE_FINANCEUR || !financeur || !mesure) { return; }
    Array.prototype.forEach.call(mesure.options, function (option) {
      var owner = window.MESURE_FINANCEUR[option.value];
      option.disabled = Boolean(owner) && Boolean(financeur.value) && String(owner) !== financeur.value;
    });
    if (mesure.selectedOptions.length && mesure.selectedOptions[0].disabled) { $(mesure).val("").trigger("change"); }
  }
  window.portalCascade = function (root) { $(root).find("form").each(function () { filterMesures(this); }); };
  $(document).on("change", "select#financeur", function () { if (this.form) { filterMesures(this.form); } });

  // F1: a short (≤ 35 h) or individualised (AIF) session is one yearly session with entrée-sortie
  // permanente; one click fills it in (the server's rule checks it whatever is typed).
  function yearOf(value) {
    var match = /(\d{4})/.exec(value || "");
    return match ? match[1] : String(new Date().getFullYear());
  }
  window.portalYearly = function (root) {
    $(root).find("form").each(function () {
      var form = this, debut = form.querySelector("#debut"), fin = form.querySelector("#fin");
      var esp = form.querySelector("#entree_sortie_permanente");
      if (!debut || !fin || !esp || form.querySelector(".session-annuelle")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-default btn-sm session-annuelle";
      button.textContent = "Session annuelle (du 01/01 au 31/12, entrée-sortie permanente)";
      button.title = "Sessions de 35 heures ou moins, ou individualisées (AIF) : une session par an";
      button.addEventListener("click", function () {
        var year = yearOf(debut.value);
        setValue(debut, "01/01/" + year);
        setValue(fin, "31/12/" + year);
        esp.checked = true;
        $(esp).trigger("change");
      });
      var group = esp.closest(".form-group") || esp.parentNode;
      var help = document.createElement("p");
      help.className = "help-block";
      help.appendChild(button);
      group.appendChild(help);
    });
  };

  // Issue 16: a list's bulk action sends the version each selected row had on the page (FAB's
  // action form receives copies of the checked boxes); a row changed since refuses the action.
  $(document).on("submit", "#action_form", function () {
    var form = this;
    $("input.portal-version", form).remove();
    $("input.action_check[data-version]", form).each(function () {
      $("<input>", {type: "hidden", "class": "portal-version", name: "version-" + this.value,
                    value: this.getAttribute("data-version")}).appendTo(form);
    });
  });

  $(function () {
    $("form.portal-form").each(function () { toggleCertification(this); });
    window.portalCounters(document.body);
    window.portalCascade(document.body);
    window.portalYearly(document.body);
  });
  $(document).on("shown.bs.modal", function () { $("form.portal-form").each(function () { toggleCertification(this); }); });
})(jQuery);
