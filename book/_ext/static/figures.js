// Click a figure of a lab page to open its PNG at full size (book/_ext/static/figures.css).
document.addEventListener("DOMContentLoaded", () => {
  for (const img of document.querySelectorAll("div.cell_output img")) {
    if (img.closest("a") || img.closest(".widget-subarea")) continue;
    const link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "labcode-figure-link";
    link.title = "Open the figure at full size";
    img.replaceWith(link);
    link.appendChild(img);
  }
});
