import { describe, expect, it } from "vitest";
import {
  APP_VERSION_SWITCH,
  formatSwitch,
  switchValue,
} from "../../../../display/main/commandLine";

describe("command-line switches", () => {
  it("reads back what main formats for the preload", () => {
    const argv = ["/usr/bin/electron", formatSwitch(APP_VERSION_SWITCH, "0.1.0")];
    expect(switchValue(argv, APP_VERSION_SWITCH)).toBe("0.1.0");
  });

  it("keeps an equals sign inside the value", () => {
    expect(switchValue(["--server=http://h/?a=b"], "--server")).toBe("http://h/?a=b");
  });

  it("ignores a switch that only shares a prefix, and a bare switch", () => {
    expect(switchValue(["--server-url=http://h", "--server"], "--server")).toBeUndefined();
  });
});
