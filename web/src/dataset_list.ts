// The start page: every dataset the service holds, with a thumbnail of its saved view; upload
// (with progress) and delete (after confirmation).
import { api, ApiError, uploadDataset, type DatasetRecord } from "./api";
import { displayName, formatBytes, h, notify } from "./dom";
import { renderTokenPrompt } from "./token_prompt";

export function renderDatasetList(root: HTMLElement, open: (id: string) => void): () => void {
  root.replaceChildren();
  const list = h("ul", { class: "dataset-grid", "aria-label": "Datasets" });
  const heading = h("h1", {}, "Datasets");
  const uploadSection = renderUpload(() => refresh());
  root.append(
    h("main", { class: "list-page" }, h("div", { class: "page-head" }, heading, uploadSection), list),
  );

  let stopped = false;
  const refresh = async () => {
    try {
      const datasets = await api.listDatasets();
      if (stopped) return;
      list.replaceChildren(
        ...(datasets.length
          ? datasets.map((d) => datasetCard(d, open, refresh))
          : [
              h(
                "li",
                { class: "empty" },
                "No datasets yet: upload a DICOM zip, a NIfTI file or a Clara folder (zipped).",
              ),
            ]),
      );
      list.setAttribute("aria-busy", "false");
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        renderTokenPrompt(root, e.message);
        return;
      }
      notify(`Could not list datasets: ${(e as Error).message}`, "error");
    }
  };
  list.setAttribute("aria-busy", "true");
  void refresh();
  return () => {
    stopped = true;
  };
}

function organSummary(d: DatasetRecord): string {
  const named = d.labels.filter((l) => l.name);
  if (d.labels.length === 0) return "no organ labels";
  const first = named.slice(0, 4).map((l) => displayName(l.name, l.id));
  const more = d.labels.length - first.length;
  return first.join(", ") + (more > 0 ? ` and ${more} more` : "");
}

function datasetCard(d: DatasetRecord, open: (id: string) => void, refresh: () => void): HTMLElement {
  const title = d.name || d.id;
  const created = d.created ? new Date(d.created) : null;
  const openButton = h(
    "button",
    { class: "card-open", "aria-label": `Open ${title}`, onclick: () => open(d.id) },
    h("img", {
      src: api.thumbnailUrl(d.id, d.settings_version),
      alt: "",
      width: 160,
      height: 160,
      loading: "lazy",
    }),
  );
  const deleteButton = h(
    "button",
    { class: "danger small", onclick: () => confirmDelete(d, refresh) },
    "Delete",
  );
  deleteButton.setAttribute("aria-label", `Delete ${title}`);
  return h(
    "li",
    { class: "dataset-card", "data-id": d.id },
    openButton,
    h(
      "div",
      { class: "card-body" },
      h("h2", {}, h("a", { href: `#/dataset/${encodeURIComponent(d.id)}` }, title)),
      h(
        "dl",
        {},
        h("dt", {}, "Modality"),
        h("dd", {}, d.modality || "—"),
        h("dt", {}, "Size"),
        h("dd", {}, `${d.dimensions.join(" × ")} · ${formatBytes(d.size_bytes)}`),
        h("dt", {}, "Organs"),
        h(
          "dd",
          { title: d.labels.map((l) => l.name || l.id).join(", ") },
          `${d.labels.length}: ${organSummary(d)}`,
        ),
        h("dt", {}, "Added"),
        h("dd", {}, created && !isNaN(created.getTime()) ? created.toLocaleString() : d.created || "—"),
      ),
      h(
        "div",
        { class: "card-actions" },
        h("a", { class: "button small", href: api.exportUrl(d.id), download: `${d.id}.zip` }, "Export"),
        deleteButton,
      ),
    ),
  );
}

function confirmDelete(d: DatasetRecord, refresh: () => void): void {
  const title = d.name || d.id;
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": "confirm-title" },
    h("h2", { id: "confirm-title" }, `Delete ${title}?`),
    h(
      "p",
      {},
      "The dataset's image, organ masks and every saved settings version are removed from the server. This cannot be undone.",
    ),
  );
  const cancel = h("button", { onclick: () => dialog.close() }, "Cancel");
  const confirm = h(
    "button",
    {
      class: "danger",
      onclick: async () => {
        dialog.close();
        try {
          await api.deleteDataset(d.id);
          notify(`Deleted ${title}`);
        } catch (e) {
          notify(`Could not delete ${title}: ${(e as Error).message}`, "error");
        }
        refresh();
      },
    },
    "Delete",
  );
  dialog.append(h("div", { class: "dialog-actions" }, cancel, confirm));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
}

function renderUpload(done: () => void): HTMLElement {
  const input = h("input", {
    type: "file",
    id: "upload-file",
    accept: ".zip,.nii,.nii.gz,.gz,application/zip",
  });
  const name = h("input", {
    type: "text",
    id: "upload-name",
    placeholder: "dataset name",
    pattern: "[A-Za-z0-9][A-Za-z0-9._-]*",
    maxlength: 100,
    autocomplete: "off",
  });
  const progress = h("progress", {
    id: "upload-progress",
    max: 1,
    value: 0,
    hidden: true,
    "aria-label": "Upload progress",
  });
  const stage = h("span", { class: "upload-stage", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary" }, "Upload");
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file && !name.value) {
      name.value = file.name
        .replace(/\.(zip|nii\.gz|nii|gz)$/i, "")
        .replace(/[^A-Za-z0-9._-]/g, "-")
        .replace(/^[^A-Za-z0-9]+/, "");
    }
  });
  const form = h(
    "form",
    { class: "upload", "aria-label": "Upload a dataset" },
    h("label", { for: "upload-file" }, "DICOM zip, NIfTI or Clara zip"),
    input,
    h("label", { for: "upload-name" }, "Name"),
    name,
    button,
    progress,
    stage,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = input.files?.[0];
    if (!file) {
      notify("Choose a file to upload first", "error");
      return;
    }
    const id = name.value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
      notify(
        "A dataset name uses letters, digits, '.', '_' and '-' and starts with a letter or digit",
        "error",
      );
      return;
    }
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    stage.textContent = `Uploading ${file.name}…`;
    try {
      const record = await uploadDataset(id, file, (fraction) => {
        progress.value = fraction;
        if (fraction >= 1) {
          progress.removeAttribute("value"); // indeterminate while the server imports
          stage.textContent = "Importing (DICOM series are segmented now; this can take a minute)…";
        }
      });
      stage.textContent = `Added ${record.name || record.id}`;
      notify(`Added dataset ${record.id}`);
      form.reset();
    } catch (err) {
      const message = err instanceof ApiError ? err.message : String(err);
      stage.textContent = "";
      notify(`Upload of ${file.name} failed: ${message}`, "error");
    } finally {
      button.disabled = false;
      progress.hidden = true;
      done();
    }
  });
  return form;
}
