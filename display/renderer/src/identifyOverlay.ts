import "./identify.css";

/**
 * Shows the screen's identify code large over whatever plays (the console's "identify", for a
 * technician finding a screen on the street), or removes it (null). One overlay at most.
 */
export function renderIdentify(root: HTMLElement, name: string | null): void {
  root.querySelector(".identify-overlay")?.remove();
  if (name === null) return;
  const overlay = document.createElement("div");
  overlay.className = "identify-overlay";
  overlay.dataset["testid"] = "identify";
  overlay.setAttribute("role", "status");
  const label = document.createElement("div");
  label.className = "identify-label";
  label.textContent = "本屏识别码 · This screen's code";
  const title = document.createElement("div");
  title.className = "identify-name";
  title.textContent = name;
  overlay.append(label, title);
  root.append(overlay);
}
