import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./shell/App";
import "./console.css";

const root = document.getElementById("root");
if (!root) throw new Error("console markup lacks #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
