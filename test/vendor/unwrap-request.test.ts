import { describe, expect, it } from "vitest";
import { unwrapRequest } from "../../vendor/sign-grant.js";

describe("sign-grant input", () => {
  it("takes the bare request or recoveryctl's { request, usbFile } wrapper", () => {
    expect(unwrapRequest('{"a":1}', "r.json")).toEqual({ a: 1 });
    expect(unwrapRequest('{"request":{"a":1},"usbFile":"/x"}', "-")).toEqual({ a: 1 });
  });

  it("refuses an oversized input before parsing it, naming the source", () => {
    expect(() => unwrapRequest(`{"request":{"pad":"${"x".repeat(20_000)}"}}`, "-")).toThrow(
      /stdin is larger than a reset request/,
    );
  });
});
