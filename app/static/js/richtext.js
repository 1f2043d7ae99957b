/* Rich text of formations (SPEC E5): objectifs, contenu and résultats attendus typed in the Quill
   editor (npm registry, app/static/vendor/) limited to what the server's sanitiser keeps — bold,
   italic, lists, paragraphs. The textarea stays in the form (hidden) and receives the editor's
   HTML, so the character counter, the rules and the sanitiser see the same value. */
(function ($) {
  "use strict";
  if (!window.Quill) { return; }
  var LABELS = {"ql-bold": "Gras", "ql-italic": "Italique", "ql-clean": "Effacer la mise en forme"};
  var LISTS = {ordered: "Liste numérotée", bullet: "Liste à puces"};

  function html(quill) {
    var text = quill.getText().trim();
    if (!text) { return ""; }
    // Quill 2 writes non-breaking spaces between words: plain spaces are what users typed.
    return quill.getSemanticHTML().replace(/&nbsp;/g, " ").replace(/\u00a0/g, " ");
  }

  function attach(area) {
    if (area.getAttribute("data-editor")) { return; }
    area.setAttribute("data-editor", "1");
    var holder = document.createElement("div");
    holder.className = "portal-editor";
    area.parentNode.insertBefore(holder, area);
    var quill = new window.Quill(holder, {
      theme: "snow",
      formats: ["bold", "italic", "list"],
      modules: {toolbar: [["bold", "italic"], [{list: "ordered"}, {list: "bullet"}], ["clean"]]}
    });
    // Accessible names: the toolbar's buttons and the editing area (named after the field's label).
    var toolbar = holder.previousElementSibling;
    if (toolbar) {
      toolbar.setAttribute("role", "toolbar");
      toolbar.setAttribute("aria-label", "Mise en forme");
      Array.prototype.forEach.call(toolbar.querySelectorAll("button"), function (button) {
        var name = LABELS[button.className] || LISTS[button.value] || "";
        if (name) { button.setAttribute("aria-label", name); button.setAttribute("title", name); }
      });
    }
    var editor = holder.querySelector(".ql-editor");
    var label = area.id ? document.querySelector('label[for="' + area.id + '"]') : null;
    if (label) {
      if (!label.id) { label.id = area.id + "-libelle"; }
      editor.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { quill.focus(); });
    }
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (area.getAttribute("aria-describedby")) { editor.setAttribute("aria-describedby", area.getAttribute("aria-describedby")); }
    if (area.getAttribute("aria-required")) { editor.setAttribute("aria-required", "true"); }
    var load = function () {
      quill.setContents(quill.clipboard.convert({html: area.value || ""}), "silent");
    };
    load();
    area.style.display = "none";  // Bootstrap's .form-control would show a [hidden] textarea
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
    quill.on("text-change", function () {
      area.value = html(quill);
      area.dispatchEvent(new Event("input", {bubbles: true}));  // the counter
    });
    area.addEventListener("portal:value", load);  // a value set by the page (a certification's pre-fill)
  }

  window.portalRichText = function (root) {
    Array.prototype.forEach.call(root.querySelectorAll("textarea[data-maxchars]"), attach);
  };
  window.portalRichTextSave = function (form) {
    Array.prototype.forEach.call(form.querySelectorAll(".portal-editor"), function (holder) {
      var quill = window.Quill.find(holder), area = holder.nextElementSibling;
      if (quill && area) { area.value = html(quill); }
    });
  };
  $(function () { window.portalRichText(document.body); });
})(jQuery);
