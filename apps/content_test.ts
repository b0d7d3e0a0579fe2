import assert from "node:assert/strict";
import { SeededRandom } from "../transport/random.ts";
import {
  fillPattern,
  findPatternMismatch,
  INDEX_PAGE,
  patternByte,
  patternSizeOf,
  resolveResource,
  safeRelativePath,
} from "./content.ts";

Deno.test("fillPattern() matches patternByte() at any offset and length", () => {
  const rnd = new SeededRandom(7);
  for (let t = 0; t < 200; t++) {
    const offset = rnd.u32() % 100_000;
    const out = new Uint8Array(rnd.u32() % 300);
    fillPattern(out, offset);
    for (let i = 0; i < out.length; i++) {
      assert.equal(out[i], patternByte(offset + i), `${offset}+${i}`);
    }
    assert.equal(findPatternMismatch(out, offset), -1);
  }
});

Deno.test("patternByte() gives picoquicdemo's 74-byte lines of Z ending in CR LF", () => {
  const line = new Uint8Array(148);
  fillPattern(line, 0);
  const text = new TextDecoder().decode(line);
  assert.equal(text, ("Z".repeat(72) + "\r\n").repeat(2));
});

Deno.test("findPatternMismatch() reports the absolute offset of the first wrong byte", () => {
  const data = new Uint8Array(500);
  fillPattern(data, 1000);
  data[321] = data[321]! ^ 1;
  data[400] = data[400]! ^ 1;
  assert.equal(findPatternMismatch(data, 1000), 1321);
});

Deno.test("patternSizeOf() accepts only /<digits>", () => {
  assert.equal(patternSizeOf("/10000"), 10000);
  assert.equal(patternSizeOf("/0"), 0);
  assert.equal(patternSizeOf("/10000.html"), -1);
  assert.equal(patternSizeOf("10000"), -1);
  assert.equal(patternSizeOf("/-1"), -1);
  assert.equal(patternSizeOf("/99999999999999999"), -1);
});

Deno.test("safeRelativePath() refuses traversal, absolute and odd paths", () => {
  assert.equal(safeRelativePath("/index.html"), "index.html");
  assert.equal(safeRelativePath("/a/b/c.txt?x=1#y"), "a/b/c.txt");
  assert.equal(safeRelativePath("/"), "index.html");
  for (
    const bad of [
      "",
      "a.txt",
      "/../a",
      "/a/../../b",
      "/a/./b",
      "//etc/passwd",
      "/a\\..\\b",
      "/a\0b",
      "/a\nb",
      "/" + "x".repeat(2000),
    ]
  ) {
    assert.equal(safeRelativePath(bad), null, JSON.stringify(bad));
  }
});

Deno.test("resolveResource() prefers web-root files, then the index page, then sizes", () => {
  const files: Record<string, Uint8Array> = {
    "index.html": new Uint8Array([1]),
    "123": new Uint8Array([2, 3]),
  };
  const readFile = (p: string) => files[p] ?? null;
  assert.deepEqual(resolveResource("/", { readFile }), {
    kind: "bytes",
    data: files["index.html"],
    contentType: "text/html; charset=utf-8",
  });
  assert.equal(resolveResource("/123", { readFile })?.kind, "bytes");
  assert.equal(resolveResource("/124", { readFile })?.kind, "pattern");
  assert.deepEqual(resolveResource("/index.html"), {
    kind: "bytes",
    data: INDEX_PAGE,
    contentType: "text/html; charset=utf-8",
  });
  assert.equal(resolveResource("/../123", { readFile }), null);
  assert.equal(resolveResource("/nope.txt", { readFile }), null);
});
