// The dashboard's entry: a hash router between the dataset list (#/) and a dataset's viewer
// (#/dataset/ID), so a view can be bookmarked and reloaded.
import "./styles.css";
import { renderDatasetList } from "./dataset_list";
import { renderViewer } from "./viewer";

const root = document.getElementById("app") as HTMLElement;
let leave: (() => void) | null = null;

function route(): void {
  leave?.();
  const match = /^#\/dataset\/(.+)$/.exec(location.hash);
  if (match) {
    const id = decodeURIComponent(match[1]);
    document.title = `${id} · Viscera`;
    leave = renderViewer(root, id);
  } else {
    document.title = "Datasets · Viscera";
    leave = renderDatasetList(root, (id) => (location.hash = `#/dataset/${encodeURIComponent(id)}`));
  }
  root.dataset.route = match ? "viewer" : "list";
}

window.addEventListener("hashchange", route);
route();
