import { z } from "zod";

/** How a kiosk finds its server; supplied by the Electron shell, or implied by the page's origin. */
export const KioskConfigSchema = z.strictObject({
  /** Base URL of the signage server, e.g. https://signage.example.gov.cn */
  serverUrl: z.url({ protocol: /^https?$/ }),
});
/** The kiosk's connection settings. */
export type KioskConfig = z.infer<typeof KioskConfigSchema>;
