import { afterEach, expect, test } from "vitest";
import { startTestApi, type TestApi } from "./support/harness.js";

let t: TestApi;
afterEach(async () => t?.close());

test("smoke", async () => {
  t = await startTestApi();
  const r = await t.req("GET", "/v1/status");
  console.log(r.status, r.body);
  const token = await t.provision();
  console.log(await t.req("GET", "/v1/session", { token }));
  console.log(t.logLines);
  expect(r.status).toBe(200);
});
