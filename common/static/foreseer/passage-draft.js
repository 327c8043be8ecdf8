/* The article page, for staff: copies a passage selected in the article text into the
   "Draft a question from this article" form, and offers a button beside the selection
   that opens the new draft directly. Without this file the form still works: the
   passage can be pasted. */
(function () {
  "use strict";
  var form = document.getElementById("draft-from-passage");
  var text = document.querySelector(".article-text");
  if (!form || !text || !window.getSelection) return;
  var box = form.querySelector("textarea[name=passage]");
  var status = document.getElementById("draft-from-passage-status");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "passage-draft-button";
  button.textContent = "Draft a question from this passage";
  button.hidden = true;
  document.body.appendChild(button);

  function selectedPassage() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    var range = selection.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer)) return null;
    // The [n] links after highlighted passages are not part of the article.
    var copy = range.cloneContents();
    copy.querySelectorAll(".passage-ref").forEach(function (ref) { ref.remove(); });
    var passage = copy.textContent.replace(/\s+/g, " ").trim();
    return passage ? { passage: passage, rect: range.getBoundingClientRect() } : null;
  }

  var pending = null;
  function update() {
    var found = selectedPassage();
    if (!found) { button.hidden = true; return; }
    box.value = found.passage;
    button.hidden = false;
    // Through the CSSOM, which the Content-Security-Policy allows (a style="" attribute
    // written into the markup it would refuse).
    button.style.top = (window.scrollY + found.rect.bottom + 6) + "px";
    button.style.left = Math.max(8, Math.min(window.scrollX + found.rect.left,
      window.scrollX + document.documentElement.clientWidth - button.offsetWidth - 8)) + "px";
    status.textContent = "Passage copied to the draft form.";
  }
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 200);
  });
  // Keep the selection (and the button) when the button is pressed.
  button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  button.addEventListener("click", function () { form.submit(); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") button.hidden = true;
  });
})();
