// Accessible names the page's scripts leave out (book/_ext/course_site.py, section 12).
//
// - Solution toggles: sphinx-togglebutton names every button "Toggle hidden content"; each is
//   named after its exercise instead, "Show solution to Exercise 2.1 (DeepSets)", "Hide ..."
//   once open (the button's aria-expanded says the same).
// - Widget sliders: the handle that html-manager draws (noUiSlider, role="slider") has no
//   name; it gets the slider's description, the label shown to its left ("seed", "n").
//
// And the focus the theme loses: below 992 px the lab list and the page's contents open in
// drawers (<dialog>s, from the header's menu and contents buttons). Closed (Esc, a click
// outside), a drawer gives the focus back to the button that opened it, so that a keyboard
// reader goes on from there. sphinx-book-theme blurs the button on click, so the theme's own
// return of the focus, and the dialog's, land on the page's body (WCAG 2.4.3, focus order).
"use strict";
(() => {
  const text = (nodes) => nodes.map((node) => node.textContent).join("")
    .replace(/\s+/g, " ").trim();

  const nameToggle = (button) => {
    const title = button.closest(".admonition-title");
    if (!title) return;
    const name = text([...title.childNodes].filter((node) => node !== button));
    if (!name) return;
    const shown = button.getAttribute("aria-expanded") === "true";
    const label = name.replace(/^Solution\b/, "solution");
    button.setAttribute("aria-label", `${shown ? "Hide" : "Show"} ${label}`);
  };

  const nameSlider = (handle) => {
    const slider = handle.closest(".widget-slider, .jupyter-widget-slider");
    const label = slider && slider.querySelector(".widget-label");
    const name = label ? text([label]) : "";
    handle.setAttribute("aria-label", name || "slider");
  };

  const nameAll = () => {
    document.querySelectorAll(".admonition-title > button.toggle-button").forEach(nameToggle);
    document.querySelectorAll(".noUi-handle[role='slider']:not([aria-label])")
      .forEach(nameSlider);
  };

  const DRAWERS = [["#pst-primary-sidebar-modal", ".primary-toggle"],
                   ["#pst-secondary-sidebar-modal", ".secondary-toggle"]];
  const shown = (el) => el.getClientRects().length > 0;
  const returnFocus = (dialog, toggles) => {
    // After the theme's own "close" listeners (one of them focuses the body).
    setTimeout(() => {
      const focus = document.activeElement;
      if (dialog.open || (focus && focus !== document.body && !dialog.contains(focus))) return;
      const toggle = [...document.querySelectorAll(toggles)].find(shown);
      if (toggle) toggle.focus({preventScroll: true});
    });
  };
  const watchDrawers = () => DRAWERS.forEach(([drawer, toggles]) => {
    const dialog = document.querySelector(drawer);
    if (dialog) dialog.addEventListener("close", () => returnFocus(dialog, toggles));
  });

  let queued = false;
  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === "attributes" && mutation.target.matches("button.toggle-button")) {
        nameToggle(mutation.target);
      }
    }
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => { queued = false; nameAll(); });
    }
  });
  const start = () => {
    nameAll();
    watchDrawers();
    observer.observe(document.body, {childList: true, subtree: true, attributes: true,
                                     attributeFilter: ["aria-expanded"]});
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
