// Shown when the server wants an access token (viscera serve --token): the token is kept for this
// tab only (sessionStorage) and sent with every API call.
import { setAccessToken } from "./api";
import { h } from "./dom";

export function renderTokenPrompt(root: HTMLElement, message: string): void {
  const input = h("input", {
    type: "password",
    id: "token",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "token-form", "aria-labelledby": "token-title" },
    h("h1", { id: "token-title" }, "Access token required"),
    h(
      "p",
      { class: "muted" },
      `The server said: ${message}. Ask its administrator for the token (viscera serve --token).`,
    ),
    h("label", { for: "token" }, "Access token"),
    input,
    h("button", { type: "submit", class: "primary" }, "Continue"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setAccessToken(input.value.trim());
    location.reload();
  });
  root.replaceChildren(h("main", { class: "list-page" }, form));
  input.focus();
}
