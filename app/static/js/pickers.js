/* Remote pickers (app/views/pickers.py): a <select class="portal-picker"> holds its selected rows
   only; select2 asks data-picker-url for 20 rows at a time as the user types or scrolls. Fields
   added later (FAB's list filters, forms in dialogs) are picked up as they enter the page. */
(function ($) {
  "use strict";

  function labelText(select) {
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    if (label) { return label.textContent.replace(/\s+/g, " ").replace(/\*\s*$/, "").trim(); }
    return select.getAttribute("aria-label") || "";
  }

  function init(select) {
    if (select.getAttribute("data-picker-ready")) { return; }
    select.setAttribute("data-picker-ready", "1");
    var $select = $(select);
    var blank = $select.find('option[value="__None"]');
    $select.select2({
      theme: "bootstrap",
      width: "100%",
      allowClear: blank.length > 0,
      placeholder: {id: "__None", text: select.getAttribute("data-placeholder") || ""},
      ajax: {
        url: select.getAttribute("data-picker-url"),
        dataType: "json",
        delay: 250,
        data: function (params) { return {q: params.term || "", page: params.page || 1}; }
      }
    });
    // The combobox select2 draws is named after the field's label (RGAA 11.1).
    var name = labelText(select);
    if (name) { $select.next(".select2").find(".select2-selection").attr("aria-label", name); }
  }

  // A list filter restored from the URL: FAB's filter script could not select a row it does not
  // hold; ask the server for its label.
  function restoreFilter(select) {
    if (!select.name || select.name.indexOf("_flt_") !== 0) { return; }
    var value = new URLSearchParams(window.location.search).get(select.name);
    if (!value || $(select).find("option").filter(function () { return this.value === value; }).length) { return; }
    $.getJSON(select.getAttribute("data-picker-url"), {id: value}).done(function (data) {
      (data.results || []).forEach(function (row) {
        $(select).append(new Option(row.text, row.id, true, true));
      });
      $(select).trigger("change");
    });
  }

  function scan(root) {
    $(root).find("select.portal-picker").addBack("select.portal-picker").each(function () {
      init(this);
      restoreFilter(this);
    });
  }

  // select2 4.0.13 no longer moves the focus into its search box with jQuery 3.6: without this the
  // user clicks a list, types, and nothing is searched.
  $(document).on("select2:open", function () {
    var search = document.querySelector(".select2-container--open .select2-search__field");
    if (search) { search.focus(); }
  });

  $(function () {
    scan(document.body);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) { if (node.nodeType === 1) { scan(node); } });
      });
    }).observe(document.body, {childList: true, subtree: true});
  });
})(jQuery);
