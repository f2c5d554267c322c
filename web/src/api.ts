// The dataset service's REST API (src/service/openapi.json), typed. Every failure becomes an
// ApiError carrying the server's own message, so the page can show it as the server said it.

export type Rgb = [number, number, number];
export type Vec3 = [number, number, number];

export interface DatasetRecord {
  id: string;
  name: string;
  modality: string;
  size_bytes: number;
  dimensions: Vec3;
  spacing_mm: Vec3;
  labels: { id: number; name: string }[];
  created: string;
  settings_version: number;
}

export interface OrganSummary {
  label: number;
  name: string;
  color: Rgb;
  voxels: number;
  volume_ml: number;
}

export interface VolumeSummary {
  id: string;
  dimensions: Vec3;
  spacing_mm: Vec3;
  bounds_mm: { min: Vec3; max: Vec3 };
  center_mm: Vec3;
  hu_range: [number, number];
  histogram: { first_hu: number; bin_width_hu: number; counts: number[] };
  organs: OrganSummary[];
}

export interface SettingsVersion {
  version: number;
  created: string;
  note: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// The access token, when the server wants one: taken once from the page's ?token= and kept for
// the tab (never in localStorage: it outlives the session).
const tokenKey = "viscera.token";
const fromUrl = new URLSearchParams(location.search).get("token");
if (fromUrl) {
  sessionStorage.setItem(tokenKey, fromUrl);
  const url = new URL(location.href);
  url.searchParams.delete("token");
  history.replaceState(null, "", url.toString());
}

export function setAccessToken(token: string): void {
  sessionStorage.setItem(tokenKey, token);
}

export function accessToken(): string {
  return sessionStorage.getItem(tokenKey) ?? "";
}

// A URL usable where no header can be set (img src, WebSocket).
export function withToken(path: string): string {
  const token = accessToken();
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(token);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = accessToken();
  return token ? { ...extra, Authorization: "Bearer " + token } : extra;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = "http-" + response.status;
  let message = response.statusText || "request failed";
  try {
    const body = await response.json();
    if (body && typeof body === "object" && body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    }
  } catch {
    // Not JSON (a proxy's page): keep the status text.
  }
  return new ApiError(response.status, code, message);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "unreachable", `the server did not answer ${method} ${path}: ${e}`);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const enc = encodeURIComponent;

export const api = {
  listDatasets: () => request<{ datasets: DatasetRecord[] }>("GET", "/api/datasets").then((r) => r.datasets),
  getDataset: (id: string) => request<DatasetRecord>("GET", `/api/datasets/${enc(id)}`),
  deleteDataset: (id: string) => request<void>("DELETE", `/api/datasets/${enc(id)}`),
  summary: (id: string, bins = 160) =>
    request<VolumeSummary>("GET", `/api/datasets/${enc(id)}/summary?bins=${bins}`),
  versions: (id: string) =>
    request<{ versions: SettingsVersion[] }>("GET", `/api/datasets/${enc(id)}/settings/versions`).then(
      (r) => r.versions,
    ),
  version: (id: string, version: number) =>
    request<SettingsVersion & { settings: Record<string, unknown> }>(
      "GET",
      `/api/datasets/${enc(id)}/settings/versions/${version}`,
    ),
  thumbnailUrl: (id: string, version: number, size = 160) =>
    withToken(`/api/datasets/${enc(id)}/thumbnail?size=${size}&v=${version}`),
  exportUrl: (id: string) => withToken(`/api/datasets/${enc(id)}/export`),
};

// Uploads a file as a new dataset with progress (fetch has no upload progress: XMLHttpRequest).
// `onProgress` gets the fraction sent; after 1.0 the server imports (and may segment) the data.
export function uploadDataset(
  id: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<DatasetRecord> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/datasets?id=${enc(id)}`);
    for (const [k, v] of Object.entries(headers({ "Content-Type": "application/octet-stream" }))) {
      xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => onProgress(1);
    xhr.onerror = () => reject(new ApiError(0, "unreachable", `uploading ${file.name} failed`));
    xhr.onload = () => {
      let body: any = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as DatasetRecord);
      } else {
        const error = body?.error;
        reject(
          new ApiError(
            xhr.status,
            error?.code ?? "http-" + xhr.status,
            error?.message ?? `uploading ${file.name} failed (${xhr.status})`,
          ),
        );
      }
    };
    xhr.send(file);
  });
}
