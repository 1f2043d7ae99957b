/* Record pages edited in place (app/views/tabs.py): buttons with data-modal-url open their form in
   a dialog; the form is sent without leaving the page; a saved form reloads the page on the same
   tab (its checks panels recomputed), a refused one comes back in the dialog with its messages and
   what was typed. Buttons with data-delete-url remove a row after their data-confirm question.
   Without JavaScript the same buttons are links to full pages. */
(function ($) {
  "use strict";
  var modal = $("#portal-modal");
  if (!modal.length) { return; }
  var body = document.getElementById("portal-modal-body");
  var title = document.getElementById("portal-modal-title");
  var record = document.querySelector(".portal-record");
  var tabKey = "portail-onglet:" + (record ? record.getAttribute("data-record") : window.location.pathname);
  var HEADERS = {"X-Requested-With": "XMLHttpRequest"};

  // --- tabs: the one shown is kept across reloads (and can be linked to with #onglet-…) -------
  function showTab(id) {
    var link = document.querySelector('.portal-tabs a[href="' + id + '"]');
    if (link) { $(link).tab("show"); }
  }
  $(".portal-tabs a[data-toggle=tab]").on("shown.bs.tab", function () {
    try { window.sessionStorage.setItem(tabKey, this.getAttribute("href")); } catch (e) { /* not kept */ }
  });
  var wanted = window.location.hash && window.location.hash.indexOf("#onglet-") === 0 ? window.location.hash : null;
  try { wanted = wanted || window.sessionStorage.getItem(tabKey); } catch (e) { /* first tab */ }
  if (wanted) { showTab(wanted); }

  function reload(location) {
    if (location) { window.location.assign(location); } else { window.location.reload(); }
  }

  // --- the dialog's fields get the page's widgets --------------------------------------------
  function labelOf(select) {
    var label = select.id ? body.querySelector('label[for="' + select.id + '"]') : null;
    return label ? label.textContent.replace(/\s+/g, " ").replace(/\*\s*$/, "").trim() : "";
  }

  function prepare(root) {
    $(root).find(".appbuilder_date").datepicker({format: "dd/mm/yyyy", language: "fr", weekStart: 1, autoclose: true, forceParse: false});
    $(root).find("select.my_select2").each(function () {
      var select = $(this), blank = select.find('option[value="__None"]');
      blank.text("");
      select.select2({theme: "bootstrap", width: "100%", dropdownParent: modal, allowClear: blank.length > 0,
                      placeholder: {id: "__None", text: "Choisir…"}});
      var name = labelOf(this);
      if (name) { select.next(".select2").find(".select2-selection").attr("aria-label", name); }
    });
    if (window.portalCounters) { window.portalCounters(root); }
    if (window.portalRichText) { window.portalRichText(root); }
    if (window.portalCascade) { window.portalCascade(root); }
    if (window.portalYearly) { window.portalYearly(root); }
    var first = root.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  }

  function show(html) {
    body.innerHTML = html;
    var form = body.querySelector("form");
    if (form && form.getAttribute("data-title")) { title.textContent = form.getAttribute("data-title"); }
    prepare(body);
  }

  function fail() {
    body.innerHTML = '<div class="alert alert-danger" role="alert">Le formulaire n\'a pas pu être chargé ou envoyé. ' +
      "Rechargez la page et réessayez.</div>";
  }

  function answer(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      return response.json().then(function (data) { reload(data.location); });
    }
    if (!response.ok && response.status !== 200) { fail(); return null; }
    return response.text().then(show);
  }

  $(document).on("click", "[data-modal-url]", function (event) {
    event.preventDefault();
    title.textContent = this.getAttribute("data-modal-title") || "";
    body.innerHTML = '<p role="status">Chargement…</p>';
    modal.modal("show");
    fetch(this.getAttribute("data-modal-url"), {credentials: "same-origin", headers: HEADERS}).then(answer).catch(fail);
  });

  $(document).on("submit", "#portal-modal form", function (event) {
    event.preventDefault();
    if (window.portalRichTextSave) { window.portalRichTextSave(this); }
    var button = this.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }  // one save per click
    fetch(this.getAttribute("action"), {method: "POST", body: new FormData(this), credentials: "same-origin",
                                        headers: HEADERS}).then(answer).catch(fail);
  });

  // Removing a row: FAB's delete route (POST, CSRF token), then the page again.
  $(document).on("click", "[data-delete-url]", function (event) {
    if (event.isDefaultPrevented()) { return; }  // the data-confirm question was answered no
    var data = new FormData();
    data.append("csrf_token", document.getElementById("portal-csrf").value);
    fetch(this.getAttribute("data-delete-url"), {method: "POST", body: data, credentials: "same-origin"})
      .then(function () { reload(); });
  });

  modal.on("hidden.bs.modal", function () { body.innerHTML = ""; });
})(jQuery);
