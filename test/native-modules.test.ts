// The start-time native module check, with the real modules and with a loader that fails the way
// a missing build does (the integration test does it against the real daemon process).
import { describe, expect, it } from "vitest";
import { NativeModuleError } from "../daemon/errors.js";
import { checkNativeModules } from "../daemon/native-modules.js";

describe("checkNativeModules", () => {
  it("passes with the installed builds", () => {
    expect(() => checkNativeModules()).not.toThrow();
  });

  it("names argon2 when its binding is missing", () => {
    const load = (name: string): unknown => {
      if (name === "argon2") throw new Error("No native build was found for platform=linux\nmore");
      return { hash() {} };
    };
    let caught: unknown;
    try {
      checkNativeModules((name) =>
        name === "better-sqlite3"
          ? class {
              close() {}
            }
          : load(name),
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NativeModuleError);
    expect((caught as NativeModuleError).module).toBe("argon2");
    expect((caught as Error).message).toContain("(No native build was found for platform=linux)");
    expect((caught as Error).message).toContain("npm rebuild argon2");
  });

  it("names argon2 when what loads has no hash function", () => {
    expect(() =>
      checkNativeModules((name) =>
        name === "argon2"
          ? {}
          : class {
              close() {}
            },
      ),
    ).toThrow(/native module "argon2" cannot be loaded .*no hash function/);
  });
});
