/* The lab's explorers in the static book: controls that look up what the lab's own widget
 * showed at every grid point (contexture_lab.widgets.book wrote the data at build time).
 * Moving a control swaps panel images and the readout's HTML: nothing is computed here.
 *
 * Each <div class="cl-explorer" data-notebook="NN_name"> is filled from
 * window.CL_EXPLORERS["NN_name"] (the data script of that notebook). The element then
 * carries data-ready (time to interactive, ms since navigation start) and data-state (the
 * option index of every control), for readers' tools and the book's test.
 */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function keyOf(item, index) {
    return item.controls.map((name) => index[name]).join(",");
  }

  function lookup(item, index) {
    const position = item.table[keyOf(item, index)];
    if (position === undefined) throw new Error("no grid point " + keyOf(item, index));
    return item.values[position];
  }

  function build(root, data) {
    const index = {};
    const inputs = {};
    data.controls.forEach((c) => { index[c.name] = c.index; });
    root.textContent = "";
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", data.name + " explorer");

    const row = el("div", {class: "cl-controls"});
    data.controls.forEach((c) => {
      const id = "cl-" + data.notebook + "-" + c.name;
      const box = el("div", {class: "cl-control cl-" + c.kind, "data-control": c.name});
      if (c.kind === "slider") {
        box.append(el("label", {for: id}, c.description));
        const input = el("input", {id: id, type: "range", min: "0", step: "1",
                                   max: String(c.values.length - 1), value: String(c.index)});
        const shown = el("output", {for: id, class: "cl-value"});
        const set = () => {
          const label = c.labels[index[c.name]];
          input.setAttribute("aria-valuetext", c.description + " = " + label);
          shown.textContent = label;
        };
        input.addEventListener("input", () => { index[c.name] = Number(input.value); set(); show(); });
        set();
        box.append(input, shown);
        inputs[c.name] = {elements: [input], sync: () => { input.value = String(index[c.name]); set(); }};
      } else if (c.kind === "select") {
        box.append(el("label", {for: id}, c.description));
        const select = el("select", {id: id});
        c.labels.forEach((label, i) => select.append(el("option", {value: String(i)}, label)));
        select.value = String(c.index);
        select.addEventListener("change", () => { index[c.name] = Number(select.value); show(); });
        box.append(select);
        inputs[c.name] = {elements: [select], sync: () => { select.value = String(index[c.name]); }};
      } else {
        const group = el("div", {role: "group", "aria-label": c.description, class: "cl-buttons"});
        box.append(el("span", {class: "cl-label"}, c.description));
        const buttons = c.labels.map((label, i) => {
          const button = el("button", {type: "button", "data-index": String(i)}, label);
          button.addEventListener("click", () => { index[c.name] = i; sync(); show(); });
          group.append(button);
          return button;
        });
        const sync = () => buttons.forEach((b, i) =>
          b.setAttribute("aria-pressed", String(i === index[c.name])));
        sync();
        box.append(group);
        inputs[c.name] = {elements: buttons, sync: sync};
      }
      row.append(box);
    });

    const figure = el("div", {class: "cl-figure", role: "img",
                              "aria-label": "panels of the " + data.name + " explorer"});
    const width = data.width / data.scale;
    figure.style.maxWidth = width + "px";
    figure.style.aspectRatio = data.width + " / " + data.height;
    const images = data.regions.map((r) => {
      const img = el("img", {alt: "", draggable: "false", "data-region": ""});
      img.style.left = (100 * r.x / data.width) + "%";
      img.style.top = (100 * r.y / data.height) + "%";
      img.style.width = (100 * r.w / data.width) + "%";
      img.style.height = (100 * r.h / data.height) + "%";
      figure.append(img);
      return img;
    });
    const readout = el("div", {class: "cl-readout", "aria-live": "polite"});
    root.append(row, figure, readout);

    function show() {
      readout.innerHTML = lookup(data.readout, index);
      const off = lookup(data.disabled, index);
      for (const [name, input] of Object.entries(inputs)) {
        input.elements.forEach((e) => { e.disabled = off.includes(name); });
      }
      data.regions.forEach((r, n) => {
        const src = data.base + lookup(r, index);
        if (images[n].getAttribute("src") !== src) images[n].setAttribute("src", src);
      });
      root.dataset.state = JSON.stringify(index);
    }

    show();
    return Promise.all(images.map((img) => img.decode().catch(() => null))).then(() => {
      root.dataset.ready = String(Math.round(performance.now()));
      const fallback = root.previousElementSibling;
      if (fallback && fallback.classList.contains("cl-explorer-fallback")) fallback.hidden = true;
      // every other grid point's images, so that a step shows at once
      const files = new Set();
      data.regions.forEach((r) => r.values.forEach((file) => files.add(data.base + file)));
      const loads = [...files].map((src) => { const img = new Image(); img.src = src;
                                              return img.decode().catch(() => null); });
      return Promise.all(loads).then(() => { root.dataset.preloaded = String(files.size); });
    });
  }

  function start() {
    document.querySelectorAll("div.cl-explorer[data-notebook]").forEach((root) => {
      const data = (window.CL_EXPLORERS || {})[root.dataset.notebook];
      if (!data) {
        root.textContent = "[The explorer's data did not load.]";
        return;
      }
      build(root, data);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
