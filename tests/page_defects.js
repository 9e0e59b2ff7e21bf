// What a reader would see as broken on a built page; returns one list per kind of defect.
// Build-time messages (PyG's "Processing...", the kernels' first build) count as bad outputs.
() => {
  const notText = "pre, code, script, style, mjx-container, mjx-assistive-mml, .highlight, kbd, samp, textarea";
  const root = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(notText)) continue;
    const text = node.textContent;
    // A dollar, a TeX command or a MyST role left in running text: the math or the markup did not render.
    if (/\$|\\[a-zA-Z]{2,}|\{(numref|ref|eq|cite|cite:p|cite:t|glue|glue:text|doc|prf:ref)\}/.test(text)) {
      rawTex.push(text.trim().slice(0, 120));
    }
  }
  const brokenImages = [...document.images]
    .filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.getAttribute("src"));
  const mathErrors = [...document.querySelectorAll("mjx-merror")]
    .map(e => e.getAttribute("data-mjx-error") || e.textContent.slice(0, 80));
  // Sphinx leaves an unresolved reference to a label as an unlinked .xref (names of external
  // Python objects, which have no offline inventory, are exempt).
  const rawReferences = [...document.querySelectorAll(".xref.std, .xref.myst, .xref.eq, .xref.cite")]
    .filter(e => !e.closest("a")).map(e => e.textContent.slice(0, 80));
  const badOutputs = [...document.querySelectorAll(".cell_output .output, .cell_output .stderr")]
    .filter(o => o.classList.contains("stderr") || o.classList.contains("traceback") || o.classList.contains("error")
      || /Traceback \(most recent call last\)|\w+Warning: |\w+Error: |^Processing\.\.\.|compiling the entropy-step kernels/m.test(o.textContent))
    .map(o => o.textContent.trim().slice(0, 160));
  return {rawTex, brokenImages, mathErrors, rawReferences, badOutputs,
          formulas: document.querySelectorAll("mjx-container").length};
}
