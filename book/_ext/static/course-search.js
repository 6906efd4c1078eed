// The course's search page (book/_ext/course_site.py, section 8).
//
// Sphinx cuts each result's snippet from the page's HTML source, where a formula is still
// TeX between \( and \) (MathJax typesets it only on the page itself). Turn the formulas of a
// snippet into plain text: delimiters dropped, Greek letters and common symbols as characters,
// braces and the spacing commands removed ("\(h_1 = 128\)" -> "h_1 = 128").
"use strict";
(() => {
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    theta: "θ", lambda: "λ", mu: "μ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ",
    varphi: "φ", psi: "ψ", omega: "ω", Phi: "Φ", Sigma: "Σ", Omega: "Ω", sum: "∑",
    prod: "∏", times: "×", cdot: "·", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠",
    neq: "≠", approx: "≈", in: "∈", infty: "∞", to: "→", mapsto: "↦", pm: "±", ldots: "…",
    dots: "…", cdots: "⋯", mid: "|", lvert: "|", rvert: "|", ln: "ln", log: "log",
    exp: "exp", max: "max", min: "min", mathbb: "", mathrm: "", mathbf: "", operatorname: "",
    text: "", bar: "", hat: "", tilde: "", left: "", right: "", big: "", Big: "",
  };
  const BLACKBOARD = { R: "ℝ", N: "ℕ", Z: "ℤ", Q: "ℚ" };

  const plainTeX = (tex) => tex
    .replace(/\\mathbb\{([RNZQ])\}/g, (_, letter) => BLACKBOARD[letter])
    .replace(/\\[,;:! ]/g, " ")
    .replace(/\\([A-Za-z]+)/g, (whole, name) => (name in SYMBOLS ? SYMBOLS[name] : name))
    .replace(/\\\{/g, "{").replace(/\\\}/g, "}")
    .replace(/[{}]/g, "")
    .replace(/\s+/g, " ")
    .trim();

  const plainText = (text) => text
    .replace(/\\\(([\s\S]*?)\\\)/g, (_, tex) => plainTeX(tex))
    .replace(/\\\[([\s\S]*?)\\\]/g, (_, tex) => plainTeX(tex))
    .replace(/\$\$([\s\S]*?)\$\$/g, (_, tex) => plainTeX(tex))
    // a formula cut in two by the snippet's edges
    .replace(/\\[()[\]]/g, "");

  const patch = () => {
    if (typeof Search === "undefined" || !Search.htmlToText) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => plainText(htmlToText(htmlString, anchor));
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", patch);
  } else {
    patch();
  }
})();
