// Zod only: the sandboxed preload bundles this file, so it must not pull in node:* modules.
import { z } from "zod";

/** Shortest device token the kiosk accepts (the server issues 43 characters of base64url). */
export const DEVICE_TOKEN_MIN_LENGTH = 32;

/** Longest device token the kiosk accepts; matches the server's PairingComplete schema. */
export const DEVICE_TOKEN_MAX_LENGTH = 200;

/** A device token as it may cross IPC or sit in the token file: 32–200 base64url characters. */
export const DeviceTokenSchema = z
  .string()
  .min(DEVICE_TOKEN_MIN_LENGTH)
  .max(DEVICE_TOKEN_MAX_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/);

/** A validated device token. */
export type DeviceToken = z.infer<typeof DeviceTokenSchema>;
