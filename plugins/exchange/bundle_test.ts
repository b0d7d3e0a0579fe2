import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
// deno-lint-ignore no-import-prefix
import { createTar } from "npm:nanotar@0.3.0";
import { SeededRandom } from "../../transport/random.ts";
import { mutate } from "../../transport/_fuzz.ts";
import { BUILTIN_PLUGINS, builtinReader } from "../builtins.ts";
import type { ManifestReader } from "../manifest.ts";
import { readArchive, writeArchive } from "./archive.ts";
import {
  bundleDigest,
  BundleError,
  DEFAULT_BUNDLE_LIMITS,
  digestHex,
  encodeBundle,
  loadBundle,
  packBundle,
  type PluginBundle,
  signBundle,
  unpackBundle,
} from "./bundle.ts";
import { ed25519PublicKey, generateEd25519KeyPair } from "./keys.ts";

const enc = new TextEncoder();
/** mov r0, 7; exit (raw bytecode, accepted by the loader as PQUIC's was). */
const SEVEN = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

function reader(files: Record<string, Uint8Array | string>): ManifestReader {
  return (p) => {
    const f = files[p];
    return f === undefined ? null : typeof f === "string" ? enc.encode(f) : f;
  };
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BundleError, `expected a BundleError, got ${e}`);
    assert.ok(!e.reason.includes("\n"), "the reason is one line");
    return e.reason;
  }
  assert.fail("no refusal");
}

/** A tar written by nanotar as given: names, types and order unchecked. */
function rawTar(entries: { name: string; data?: Uint8Array }[]): Uint8Array {
  return createTar(entries.map((e) => ({ ...e, attrs: { mtime: 0, uid: 0, gid: 0 } })));
}

/** Sets the typeflag (and link name) of entry `index` and fixes its header checksum. */
function retype(bytes: Uint8Array, index: number, flag: string, link = ""): Uint8Array {
  const out = bytes.slice();
  let off = 0;
  for (let i = 0; i < index; i++) {
    const size = parseInt(new TextDecoder().decode(out.subarray(off + 124, off + 135)), 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  out[off + 156] = flag.charCodeAt(0);
  out.set(enc.encode(link), off + 157);
  out.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[off + i]!;
  out.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), off + 148);
  return out;
}

const SIMPLE = {
  "p/x.plugin": "be.example.x\nstream_opened post a.o\nupdate_rtt post sub/b.o\n",
  "p/a.o": SEVEN,
  "p/sub/b.o": SEVEN,
};

Deno.test("packBundle() is deterministic and the digest is the SHA-256 of the unsigned bundle", () => {
  const a = packBundle("p/x.plugin", reader(SIMPLE));
  const b = packBundle("p/x.plugin", reader({ ...SIMPLE }));
  assert.deepEqual(a, b);
  const bundle = unpackBundle(a);
  assert.deepEqual(bundle.digest, sha256(a));
  assert.deepEqual(bundleDigest(bundle), bundle.digest);
  assert.equal(bundle.manifestPath, "x.plugin");
  assert.deepEqual([...bundle.files.keys()], ["x.plugin", "a.o", "sub/b.o"]);
  assert.equal(a.length % 512, 0);
  assert.equal(a.length, 3 * 1024 + 1024, "three one-block files and the end, no record padding");
});

Deno.test("packBundle() of every built-in unpacks to the same files and loads", () => {
  for (const name of BUILTIN_PLUGINS) {
    const read = builtinReader();
    const bytes = packBundle(`${name}/${name}.plugin`, read);
    const bundle = unpackBundle(bytes);
    for (const [path, data] of bundle.files) assert.deepEqual(data, read(`${name}/${path}`));
    const plugin = loadBundle(bundle, { expectedDigest: sha256(bytes) });
    assert.equal(plugin.name, bundle.name);
    assert.ok(plugin.pluglets.length > 0);
  }
});

Deno.test("packBundle() → unpackBundle() keeps files and digest for random plugins", () => {
  const rng = new SeededRandom(8);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_-";
  const word = () => {
    let s = "";
    for (let i = 0, n = 1 + (rng.u32() % 8); i < n; i++) s += alphabet[rng.u32() % alphabet.length];
    return s;
  };
  for (let round = 0; round < 60; round++) {
    const files: Record<string, Uint8Array | string> = {};
    const objects = new Set<string>();
    for (let i = 0, n = 1 + (rng.u32() % 6); i < n; i++) {
      objects.add((rng.u32() % 3 === 0 ? `${word()}/` : "") + `${word()}.o`);
    }
    const lines = [...objects].map((o) => `stream_opened post ${o}`);
    const split = rng.u32() % 2 === 0 && lines.length > 1;
    let top = `be.random.p${round}\n`;
    if (split) {
      files["d/inc/more.plugin"] = lines.slice(1).join("\n") + "\n";
      top += `${lines[0]}\ninc/more.plugin include\n`;
    } else {
      top += lines.join("\n") + "\n";
    }
    files["d/top.plugin"] = top;
    for (const o of objects) {
      const data = new Uint8Array(rng.u32() % 3000);
      rng.fill(data);
      files[`d/${o}`] = data;
    }
    const bytes = packBundle("d/top.plugin", reader(files));
    assert.deepEqual(packBundle("d/top.plugin", reader(files)), bytes);
    const bundle = unpackBundle(bytes);
    assert.equal(bundle.name, `be.random.p${round}`);
    assert.deepEqual(bundle.digest, sha256(bytes));
    assert.equal(bundle.files.size, Object.keys(files).length);
    for (const [path, data] of Object.entries(files)) {
      const want = typeof data === "string" ? enc.encode(data) : data;
      assert.deepEqual(bundle.files.get(path.slice("d/".length)), want, path);
    }
    assert.deepEqual(encodeBundle(bundle), bytes);
  }
});

Deno.test("packBundle() refuses a missing object, a malformed manifest and a hidden path", () => {
  assert.match(
    refusal(() => packBundle("p/x.plugin", reader({ ...SIMPLE, "p/a.o": undefined! }))),
    /file "a\.o" cannot be read/,
  );
  assert.match(
    refusal(() => packBundle("p/x.plugin", reader({ "p/x.plugin": "be.example.x\n" }))),
    /no pluglet line/,
  );
  assert.match(
    refusal(() =>
      packBundle(
        "x.plugin",
        reader({ "x.plugin": "be.example.x\nupdate_rtt post .hid.o\n", ".hid.o": SEVEN }),
      )
    ),
    /"\.hid\.o" is hidden/,
  );
});

Deno.test("unpackBundle() refuses an oversized bundle", () => {
  const big = new Uint8Array(DEFAULT_BUNDLE_LIMITS.maxFileBytes);
  const bytes = packBundle(
    "x.plugin",
    reader({ "x.plugin": "be.example.x\nupdate_rtt post a.o\n", "a.o": big }),
  );
  const limits = { ...DEFAULT_BUNDLE_LIMITS, maxBytes: 64 * 1024 };
  assert.match(refusal(() => unpackBundle(bytes, limits)), /bytes, more than the limit of 65536/);
  assert.match(
    refusal(() => unpackBundle(new Uint8Array(DEFAULT_BUNDLE_LIMITS.maxBytes + 512))),
    /more than the limit/,
  );
});

Deno.test("unpackBundle() refuses a file above the per-file limit", () => {
  const data = new Uint8Array(5000);
  const bytes = packBundle(
    "x.plugin",
    reader({ "x.plugin": "be.e.x\nupdate_rtt post a.o\n", "a.o": data }),
  );
  const limits = { ...DEFAULT_BUNDLE_LIMITS, maxFileBytes: 4096 };
  assert.match(
    refusal(() => unpackBundle(bytes, limits)),
    /file "a\.o" is 5000 bytes, more than the limit of 4096/,
  );
});

Deno.test("unpackBundle() refuses too many files", () => {
  const files: Record<string, Uint8Array | string> = {};
  let manifest = "be.example.many\n";
  for (let i = 0; i < 20; i++) {
    manifest += `update_rtt post o${i}.o\n`;
    files[`o${i}.o`] = SEVEN;
  }
  files["m.plugin"] = manifest;
  const bytes = packBundle("m.plugin", reader(files));
  const limits = { ...DEFAULT_BUNDLE_LIMITS, maxFiles: 10 };
  assert.match(refusal(() => unpackBundle(bytes, limits)), /21 entries, more than 10/);
  assert.match(
    refusal(() => packBundle("m.plugin", reader(files), limits)),
    /21 files, more than 10/,
  );
});

Deno.test("unpackBundle() refuses path escapes", () => {
  const manifest = enc.encode("be.example.x\nupdate_rtt post a.o\n");
  for (const bad of ["../x", "/etc/x", "a/../../x", "./a.o", "a//b", "a\\b"]) {
    const bytes = rawTar([{ name: "x.plugin", data: manifest }, { name: bad, data: SEVEN }]);
    const reason = refusal(() => unpackBundle(bytes));
    assert.ok(reason.startsWith(`entry ${JSON.stringify(bad)} `), reason);
    if (bad.startsWith("/") || bad.includes("..")) assert.match(reason, /escapes the bundle/);
  }
});

Deno.test("unpackBundle() refuses symbolic links, hard links, devices and directories", () => {
  const base = rawTar([{ name: "x.plugin", data: enc.encode("be.e.x\nupdate_rtt post a.o\n") }, {
    name: "a.o",
    data: SEVEN,
  }]);
  assert.match(
    refusal(() => unpackBundle(retype(base, 1, "2", "/etc/passwd"))),
    /entry "a\.o" is a symbolic link/,
  );
  assert.match(refusal(() => unpackBundle(retype(base, 1, "1", "x.plugin"))), /is a hard link/);
  assert.match(refusal(() => unpackBundle(retype(base, 1, "3"))), /is a device/);
  assert.match(refusal(() => unpackBundle(retype(base, 1, "6"))), /is a FIFO/);
  const dir = rawTar([{ name: "x.plugin", data: enc.encode("be.e.x\nupdate_rtt post a.o\n") }, {
    name: "sub/",
  }]);
  assert.match(refusal(() => unpackBundle(dir)), /entry "sub\/" is a directory/);
  assert.match(refusal(() => unpackBundle(retype(base, 0, "x"))), /extended \(PAX or GNU\) header/);
});

Deno.test("unpackBundle() refuses archives that are not canonical", () => {
  const bytes = packBundle("p/x.plugin", reader(SIMPLE));
  // Trailing data after the end blocks.
  const longer = new Uint8Array(bytes.length + 512);
  longer.set(bytes);
  longer[bytes.length] = 1;
  assert.match(refusal(() => unpackBundle(longer)), /not canonical/);
  // Another mtime (header checksum made valid again by retype).
  const mtime = bytes.slice();
  mtime.set(enc.encode("00000000001"), 512 + 136);
  assert.match(
    refusal(() => unpackBundle(retype(mtime, 1, "0"))),
    /not canonical \(it differs from a re-pack at byte 6\d\d\)/,
  );
  // nanotar's 10 KiB record padding.
  const files = [...unpackBundle(bytes).files].map(([name, data]) => ({ name, data }));
  assert.match(refusal(() => unpackBundle(rawTar(files))), /not canonical/);
  // Files out of order.
  const swapped = writeArchive([files[0]!, files[2]!, files[1]!]);
  assert.match(refusal(() => unpackBundle(swapped)), /entry "sub\/b\.o" is out of order/);
  // Not whole blocks, empty.
  assert.match(refusal(() => unpackBundle(bytes.subarray(0, 1000))), /not whole blocks/);
  assert.match(refusal(() => unpackBundle(new Uint8Array(1024))), /the archive is empty/);
});

Deno.test("unpackBundle() refuses extra, missing and duplicated files and a bad manifest", () => {
  const m = enc.encode("be.example.x\nupdate_rtt post a.o\n");
  const extra = writeArchive([{ name: "x.plugin", data: m }, { name: "a.o", data: SEVEN }, {
    name: "z.o",
    data: SEVEN,
  }]);
  assert.match(refusal(() => unpackBundle(extra)), /file "z\.o" is not named by the manifest/);
  const missing = writeArchive([{ name: "x.plugin", data: m }]);
  assert.match(
    refusal(() => unpackBundle(missing)),
    /"a\.o" named by the manifest is missing|cannot be read/,
  );
  const twice = writeArchive([{ name: "x.plugin", data: m }, { name: "a.o", data: SEVEN }, {
    name: "a.o",
    data: SEVEN,
  }]);
  assert.match(refusal(() => unpackBundle(twice)), /file "a\.o" appears twice/);
  const bad = writeArchive([{
    name: "x.plugin",
    data: enc.encode("be.example.x\nupdate_rtt postt a.o\n"),
  }, {
    name: "a.o",
    data: SEVEN,
  }]);
  assert.match(refusal(() => unpackBundle(bad)), /x\.plugin:2: unknown anchor "postt"/);
  const notFirst = writeArchive([{ name: "a.o", data: SEVEN }, { name: "x.plugin", data: m }]);
  assert.match(refusal(() => unpackBundle(notFirst)), /first entry "a\.o" is not a manifest/);
});

Deno.test("loadBundle() refuses a tampered bundle: digest mismatch", () => {
  const bytes = packBundle("p/x.plugin", reader(SIMPLE));
  const negotiated = sha256(bytes);
  const tampered = bytes.slice();
  tampered[1024 + 512 + 15] = 0x96; // a byte of a.o's bytecode
  const bundle = unpackBundle(tampered);
  assert.match(
    refusal(() => loadBundle(bundle, { expectedDigest: negotiated })),
    new RegExp(
      `digest mismatch: got ${digestHex(sha256(tampered))}, expected ${digestHex(negotiated)}`,
    ),
  );
  // A bundle object whose files were changed after unpacking.
  const good = unpackBundle(bytes);
  const files = new Map(good.files);
  files.set("a.o", new Uint8Array(16));
  const edited: PluginBundle = { ...good, files };
  assert.match(refusal(() => loadBundle(edited)), /content does not match the bundle's digest/);
  assert.equal(loadBundle(good, { expectedDigest: negotiated }).name, "be.example.x");
});

Deno.test("loadBundle() refuses a malformed ELF object", () => {
  const elf = new Uint8Array(64);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // ELF magic, then nothing sensible
  const bytes = packBundle(
    "x.plugin",
    reader({ "x.plugin": "be.example.elf\nupdate_rtt post bad.o\n", "bad.o": elf }),
  );
  assert.match(
    refusal(() => loadBundle(unpackBundle(bytes))),
    /"be\.example\.elf": bad\.o: not a loadable object/,
  );
});

Deno.test("loadBundle() refuses a plugin the verifier refuses", () => {
  const dir = fileURLToPath(new URL("../testdata/hostile/", import.meta.url));
  const disk: ManifestReader = (p) => {
    try {
      return readFileSync(p);
    } catch {
      return null;
    }
  };
  const bytes = packBundle(`${dir}bad_opcode.plugin`, disk);
  const bundle = unpackBundle(bytes);
  assert.deepEqual([...bundle.files.keys()], ["bad_opcode.plugin", "bad_opcode.o"]);
  assert.match(refusal(() => loadBundle(bundle)), /bad_opcode\.o: refused by the verifier: pc 0/);
});

Deno.test("signBundle() adds one signature per key and keeps the digest", () => {
  const bytes = packBundle("p/x.plugin", reader(SIMPLE));
  const k1 = generateEd25519KeyPair();
  const k2 = generateEd25519KeyPair();
  const once = signBundle(bytes, enc.encode(k1.privatePem));
  const again = signBundle(once, enc.encode(k1.privatePem));
  const both = signBundle(again, enc.encode(k2.privatePem));
  assert.equal(unpackBundle(once).signatures.length, 1);
  assert.equal(unpackBundle(again).signatures.length, 1, "re-signing replaces");
  const sigs = unpackBundle(both).signatures;
  assert.equal(sigs.length, 2);
  const keys = sigs.map((s) => digestHex(s.publicKey));
  assert.deepEqual(keys, [...keys].sort());
  assert.deepEqual(new Set(keys), new Set([digestHex(k1.publicKey), digestHex(k2.publicKey)]));
  for (const b of [once, again, both]) assert.deepEqual(unpackBundle(b).digest, sha256(bytes));
  assert.deepEqual(ed25519PublicKey(enc.encode(k2.publicPem)), k2.publicKey);
  assert.equal(readArchive(both).at(-1)!.name.startsWith(".signatures/"), true);
  assert.throws(() => signBundle(bytes, new Uint8Array(10)), SyntaxError);
});

Deno.test("unpackBundle() refuses a signature entry of the wrong size", () => {
  const signed = signBundle(packBundle("p/x.plugin", reader(SIMPLE)), new Uint8Array(32).fill(5));
  const entries = readArchive(signed);
  const last = entries.at(-1)!;
  const short = writeArchive([...entries.slice(0, -1), {
    name: last.name,
    data: last.data.subarray(0, 10),
  }]);
  assert.match(refusal(() => unpackBundle(short)), /signature ".*" is not 64 bytes/);
});

Deno.test("unpackBundle() and loadBundle() on random mutations throw only BundleError", () => {
  const base = signBundle(
    packBundle("no_pacing/no_pacing.plugin", builtinReader()),
    new Uint8Array(32).fill(1),
  );
  const rng = new SeededRandom(0x8b);
  let accepted = 0;
  for (let i = 0; i < 1500; i++) {
    let m = mutate(rng, base);
    if (i % 2 === 0 && m.length % 512 !== 0) {
      // Keep whole blocks half of the time, so that the damage reaches the entries.
      const whole = new Uint8Array(Math.ceil(m.length / 512) * 512);
      whole.set(m);
      m = whole;
    }
    let bundle: PluginBundle;
    try {
      bundle = unpackBundle(m);
    } catch (e) {
      assert.ok(e instanceof BundleError, `mutation ${i}: ${e}`);
      assert.ok(!e.reason.includes("\n"), `mutation ${i}: one line: ${e.reason}`);
      continue;
    }
    accepted++;
    assert.deepEqual(encodeBundle(bundle), m, "an accepted bundle is canonical");
    try {
      loadBundle(bundle);
    } catch (e) {
      assert.ok(e instanceof BundleError, `mutation ${i}: ${e}`);
    }
  }
  assert.ok(accepted > 0, "some mutations only touch file contents");
});
