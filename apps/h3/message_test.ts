import assert from "node:assert/strict";
import { H3Error, H3ErrorCode } from "./errors.ts";
import { parseRequestHead, parseResponseHead } from "./message.ts";
import type { HeaderField } from "./qpack/field_section.ts";

const messageError = (e: unknown) =>
  e instanceof H3Error && e.code === H3ErrorCode.H3_MESSAGE_ERROR && e.stream;

Deno.test("parseRequestHead() reads a GET", () => {
  const head = parseRequestHead([
    [":method", "GET"],
    [":scheme", "https"],
    [":authority", "localhost"],
    [":path", "/x"],
    ["accept", "*/*"],
  ]);
  assert.deepEqual(head, {
    method: "GET",
    scheme: "https",
    authority: "localhost",
    path: "/x",
    fields: [["accept", "*/*"]],
  });
});

Deno.test("parseRequestHead() refuses malformed requests with a stream H3_MESSAGE_ERROR", () => {
  const bad: HeaderField[][] = [
    [[":scheme", "https"], [":path", "/"]],
    [[":method", "GET"], [":path", "/"]],
    [[":method", "GET"], [":scheme", "https"]],
    [[":method", "GET"], [":method", "GET"], [":scheme", "https"], [":path", "/"]],
    [[":method", "GET"], ["a", "b"], [":scheme", "https"], [":path", "/"]],
    [[":method", "GET"], [":scheme", "https"], [":path", "/"], [":status", "200"]],
    [[":method", "GET"], [":scheme", "https"], [":path", "/"], ["Upper", "x"]],
    [[":method", "GET"], [":scheme", "https"], [":path", "/"], ["connection", "close"]],
    [[":method", "GET"], [":scheme", "https"], [":path", "/"], ["te", "gzip"]],
  ];
  for (const fields of bad) {
    assert.throws(() => parseRequestHead(fields), messageError, JSON.stringify(fields));
  }
});

Deno.test("parseResponseHead() wants a three-digit :status", () => {
  assert.deepEqual(parseResponseHead([[":status", "404"], ["server", "x"]]), {
    status: 404,
    fields: [["server", "x"]],
  });
  for (const s of ["", "20", "2000", "abc", "099"]) {
    assert.throws(() => parseResponseHead([[":status", s]]), messageError);
  }
  assert.throws(() => parseResponseHead([["server", "x"]]), messageError);
});
