// The browser side of an explorer (helpers/explorer.py, FigureView): the status line, the
// figure and the reopen line. Frames drawn ahead by the kernel (PNG + status + reopen line,
// one per setting) are kept here; when a control moves to a setting that has a frame, the
// frame is shown at once, without a round trip to the kernel. Any other setting shows what
// the kernel draws for it (the model's value, once its key matches the controls).
// A page with no kernel behind it (make html, a notebook reopened with its widget state, a
// kernel shut down or restarted: its controls' comms are not live) has only the frames saved
// in its state (the model's "saved", made by make html): it swaps those, says so, and says
// "run the lab" for any other setting.

// A setting's key, written as Python writes it (helpers.explorer.setting_key).
const canon = (v) => (typeof v === "number" ? v.toExponential(6).replace("e+", "e") : String(v));

// What a screen reader says of the explorer's sliders (axe-core's rules): each handle is named
// after its label and says the value its readout shows (a log slider's handle holds an
// exponent). Sliders are drawn by ipywidgets beside this view, in the explorer's box.
const labelSliders = (box) => {
  for (const slider of box.querySelectorAll(".widget-hslider")) {
    const handle = slider.querySelector(".noUi-handle");
    if (!handle || handle.dataset.named) continue;
    handle.dataset.named = "true";
    const label = slider.querySelector(".widget-label")?.textContent.trim();
    if (label) handle.setAttribute("aria-label", label);
    const readout = slider.querySelector(".widget-readout");
    if (!readout) continue;
    const say = () => handle.setAttribute("aria-valuetext", readout.textContent.trim());
    say();
    new MutationObserver(say).observe(readout, { childList: true, characterData: true, subtree: true });
  }
};

const pngUrl = (bytes) =>
  bytes && bytes.byteLength ? URL.createObjectURL(new Blob([bytes], { type: "image/png" })) : "";

async function render({ model, el }) {
  const opened = performance.now();
  el.classList.add("explorer-view");
  const status = document.createElement("div");
  const img = document.createElement("img");
  const reopen = document.createElement("div");
  const note = document.createElement("div");
  status.className = "explorer-status";
  img.className = "explorer-figure";
  reopen.className = "explorer-reopen";
  note.className = "explorer-saved";
  el.append(status, img, reopen, note);

  const ids = model.get("controls").map((ref) => ref.replace(/^IPY_MODEL_/, ""));
  const controls = await Promise.all(ids.map((id) => model.widget_manager.get_model(id)));
  const attributes = model.get("attributes");
  const keyNow = () => controls.map((c, i) => canon(c.get(attributes[i]))).join("|");
  const kernelless = () => !controls.every((c) => c.comm_live);
  const sayKernel = () => {
    note.hidden = !kernelless();
    note.textContent = model.get("saved_note") || "No kernel: this page holds only the figure it was saved with. Run the lab to explore further.";
  };

  const frames = new Map(); // key -> {url, size, status, reopen}, oldest first
  let bytes = 0; // their PNGs' size, kept under the model's limit (oldest dropped first)
  let shown = null;
  let drawn = null; // what the kernel last drew: {key, url, size, status, reopen}
  const saved = model.get("saved") ?? {};
  const unsaved = { url: "", status: "No figure saved for this setting: run the lab to explore further.", reopen: "" };

  const show = (state) => {
    if (state === shown) return;
    shown = state;
    if (state.url) img.src = state.url;
    else img.removeAttribute("src");
    img.style.display = state.url ? "" : "none";
    img.alt = state.status; // the figure's text alternative: what its status line says
    status.textContent = state.status;
    reopen.innerHTML = state.reopen;
  };
  // Show the controls' setting: its frame, or what the kernel drew for it; else (the kernel
  // is drawing it) the figure stays until it arrives. Returns whether a frame was shown.
  const refresh = () => {
    const key = keyNow();
    const frame = frames.get(key) ?? (drawn.key === key ? drawn : null);
    if (frame) show(frame);
    else if (kernelless()) show(unsaved);
    return frames.has(key);
  };
  // The model in this page follows the frame on screen (set here, not sent to the kernel,
  // which brings its own copy there once the controls rest): a notebook saved right after a
  // move keeps the figure the learner sees (JupyterLab saves the page's widget state).
  const follow = (key) => {
    const frame = frames.get(key);
    if (model.get("key") === key || !frame.png) return;
    model.set("value", frame.png);
    model.set("status", frame.status);
    model.set("reopen", frame.reopen);
    model.set("key", key);
  };
  const onControl = () => {
    if (!refresh()) return;
    el.dataset.hits = String(Number(el.dataset.hits || 0) + 1); // no kernel
    follow(keyNow());
  };
  const keep = (key, state) => {
    if (frames.has(key)) bytes -= frames.get(key).size;
    frames.delete(key);
    frames.set(key, state);
    bytes += state.size;
    while (bytes > model.get("limit") && frames.size > 1) {
      const [oldest, old] = frames.entries().next().value;
      frames.delete(oldest);
      bytes -= old.size;
      if (old !== shown && old !== drawn && old.url) URL.revokeObjectURL(old.url);
    }
    el.dataset.frames = String(frames.size);
  };
  const readModel = (changedValue) => {
    const url = changedValue || !drawn ? pngUrl(model.get("value")) : drawn.url;
    const stale = changedValue && drawn && drawn.url && drawn !== shown;
    if (stale && ![...frames.values()].includes(drawn)) URL.revokeObjectURL(drawn.url);
    drawn = {
      key: model.get("key"),
      url,
      png: model.get("value"),
      size: model.get("value")?.byteLength ?? 0,
      status: model.get("status"),
      reopen: model.get("reopen"),
    };
    refresh();
  };
  const onTraining = () => (el.dataset.training = String(model.get("training")));
  const onValue = () => readModel(true);
  const onText = () => readModel(false);
  const onMessage = (msg, buffers) => {
    if (msg.type === "frame") {
      const [png] = buffers;
      const state = { url: pngUrl(png), png, size: png.byteLength, status: msg.status, reopen: msg.reopen };
      keep(msg.key, state);
      if (msg.key === keyNow() && refresh()) follow(msg.key);
    } else if (msg.type === "drawn" && drawn.key === msg.key) {
      keep(msg.key, drawn); // what the kernel just drew is that setting's final frame
    } else if (msg.type === "ahead") {
      el.dataset.ahead = msg.left ? "drawing" : "done";
      if (!msg.left) el.dataset.aheadMs ??= String(Math.round(performance.now() - opened));
    }
  };

  for (const [key, frame] of Object.entries(saved)) {
    keep(key, { url: pngUrl(frame.png), png: frame.png, size: frame.png.byteLength, status: frame.status, reopen: frame.reopen });
  }
  sayKernel();
  readModel(true);
  onTraining();
  model.on("change:training", onTraining);
  model.on("change:value", onValue);
  model.on("change:key change:status change:reopen", onText);
  model.on("msg:custom", onMessage);
  controls.forEach((c, i) => c.on(`change:${attributes[i]}`, onControl));
  controls.forEach((c) => c.on("comm_live_update", sayKernel));
  el.dataset.ahead = "waiting";
  const sliders = controls.filter((c) => /Slider/.test(c.get("_view_name"))).length;
  const nameSliders = () => {
    const box = el.closest(".widget-vbox");
    if (box) labelSliders(box);
    return Boolean(box) && box.querySelectorAll(".noUi-handle[data-named]").length >= sliders;
  };
  const named = new MutationObserver(() => nameSliders() && named.disconnect());
  if (!nameSliders()) named.observe(document.body, { childList: true, subtree: true });
  try {
    model.send({ type: "ready" }); // frames ahead: only for a view someone sees
  } catch {
    // a notebook opened without its kernel: the saved figure, nothing ahead
  }

  return () => {
    named.disconnect();
    model.off("change:training", onTraining);
    model.off("change:value", onValue);
    model.off("change:key change:status change:reopen", onText);
    model.off("msg:custom", onMessage);
    controls.forEach((c, i) => c.off(`change:${attributes[i]}`, onControl));
    controls.forEach((c) => c.off("comm_live_update", sayKernel));
  };
}

export default { render };
