import assert from "node:assert/strict";
import * as x509 from "./x509.ts";
import { createPrivateKey } from "node:crypto";
import { TlsAlert } from "../tls/session.ts";
import {
  CertificateAlert,
  certificatesFromPem,
  certificatesToPem,
  type DemoCertificates,
  generateDemoCertificates,
  identityFromPem,
  leafPublicKey,
  SignatureScheme,
  signHandshake,
  verifyCertificateChain,
  verifyHandshakeSignature,
} from "./certificates.ts";

const NOW = Date.UTC(2030, 5, 1);
const NAMES = ["localhost", "127.0.0.1", "::1"];

const cache = new Map<string, Promise<DemoCertificates>>();
function demo(keyType: "ecdsa-p256" | "ed25519" | "rsa-pss" = "ecdsa-p256") {
  let p = cache.get(keyType);
  if (p === undefined) {
    p = generateDemoCertificates({ names: NAMES, keyType });
    cache.set(keyType, p);
  }
  return p;
}

function assertAlert(fn: () => unknown, alert: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsAlert, `expected TlsAlert, got ${String(e)}`);
    assert.equal(e.alert, alert, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

for (
  const [keyType, type, scheme] of [
    ["ecdsa-p256", "ec", SignatureScheme.ECDSA_SECP256R1_SHA256],
    ["ed25519", "ed25519", SignatureScheme.ED25519],
    ["rsa-pss", "rsa", SignatureScheme.RSA_PSS_RSAE_SHA256],
  ] as const
) {
  Deno.test(`verifyCertificateChain() accepts a ${keyType} demo chain for every name`, async () => {
    const d = await demo(keyType);
    assert.equal(d.identity.chain.length, 2);
    for (const serverName of [...NAMES, "0:0:0:0:0:0:0:1", "LOCALHOST"]) {
      const key = verifyCertificateChain(d.identity.chain, {
        serverName,
        trustAnchors: [d.caCertificate],
        nowMs: NOW,
      });
      assert.equal(key.type, type);
      assert.ok(key.signatureSchemes.includes(scheme));
    }
    assert.ok(d.identity.signatureSchemes.includes(scheme));
  });

  Deno.test(
    `signHandshake() and verifyHandshakeSignature() round-trip 0x${
      scheme.toString(16).padStart(4, "0")
    }`,
    async () => {
      const d = await demo(keyType);
      const content = new Uint8Array(130).fill(0x20);
      content.set(new TextEncoder().encode("TLS 1.3, server CertificateVerify"), 64);
      const sig = signHandshake(d.identity, scheme, content);
      const key = leafPublicKey(d.identity.chain[0]!);
      assert.ok(verifyHandshakeSignature(key, scheme, content, sig));
      const other = content.slice();
      other[0] = 0x21;
      assert.ok(!verifyHandshakeSignature(key, scheme, other, sig));
      const bad = sig.slice();
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
      assert.ok(!verifyHandshakeSignature(key, scheme, content, bad));
      // A scheme that does not fit the key never verifies, and cannot sign.
      const wrong = scheme === SignatureScheme.ED25519
        ? SignatureScheme.ECDSA_SECP256R1_SHA256
        : SignatureScheme.ED25519;
      assert.ok(!verifyHandshakeSignature(key, wrong, content, sig));
      assert.throws(() => signHandshake(d.identity, wrong, content), RangeError);
    },
  );
}

Deno.test("verifyHandshakeSignature() accepts rsa_pss_rsae_sha384 and sha512 too", async () => {
  const d = await demo("rsa-pss");
  const key = leafPublicKey(d.identity.chain[0]!);
  const content = new Uint8Array([1, 2, 3]);
  for (const s of [SignatureScheme.RSA_PSS_RSAE_SHA384, SignatureScheme.RSA_PSS_RSAE_SHA512]) {
    assert.ok(verifyHandshakeSignature(key, s, content, signHandshake(d.identity, s, content)));
  }
});

Deno.test("verifyCertificateChain() refuses a name the leaf does not carry", async () => {
  const d = await demo();
  const opts = { trustAnchors: [d.caCertificate], nowMs: NOW };
  for (const serverName of ["example.com", "127.0.0.2", "::2", "local"]) {
    assertAlert(
      () => verifyCertificateChain(d.identity.chain, { ...opts, serverName }),
      CertificateAlert.BAD_CERTIFICATE,
      /Cannot accept certificate for/,
    );
  }
});

Deno.test("verifyCertificateChain() refuses an expired or not yet valid chain", async () => {
  const d = await demo();
  const base = { serverName: "localhost", trustAnchors: [d.caCertificate] };
  assertAlert(
    () => verifyCertificateChain(d.identity.chain, { ...base, nowMs: Date.UTC(2100, 0, 2) }),
    CertificateAlert.CERTIFICATE_EXPIRED,
    /expired/,
  );
  assertAlert(
    () => verifyCertificateChain(d.identity.chain, { ...base, nowMs: Date.UTC(2019, 0, 1) }),
    CertificateAlert.CERTIFICATE_EXPIRED,
    /not valid yet/,
  );
});

Deno.test("verifyCertificateChain() refuses a chain from an unknown CA", async () => {
  const d = await demo();
  const other = await generateDemoCertificates({ names: NAMES });
  assertAlert(
    () =>
      verifyCertificateChain(d.identity.chain, {
        serverName: "localhost",
        trustAnchors: [other.caCertificate],
        nowMs: NOW,
      }),
    CertificateAlert.UNKNOWN_CA,
    /Cannot find a trust anchor/,
  );
  // Same CA name, different key: the signature check decides.
  assertAlert(
    () =>
      verifyCertificateChain([d.identity.chain[0]!], {
        serverName: "localhost",
        trustAnchors: [other.caCertificate],
        nowMs: NOW,
      }),
    CertificateAlert.UNKNOWN_CA,
    /Cannot find a trust anchor/,
  );
  assertAlert(
    () =>
      verifyCertificateChain(d.identity.chain, {
        serverName: "localhost",
        trustAnchors: [],
        nowMs: NOW,
      }),
    CertificateAlert.UNKNOWN_CA,
    /Cannot find a trust anchor/,
  );
});

Deno.test("verifyCertificateChain() accepts the leaf alone when the CA is an anchor", async () => {
  const d = await demo();
  const key = verifyCertificateChain([d.identity.chain[0]!], {
    serverName: "127.0.0.1",
    trustAnchors: [d.caCertificate],
    nowMs: NOW,
  });
  assert.equal(key.type, "ec");
});

Deno.test("verifyCertificateChain() refuses a CA certificate as the leaf", async () => {
  const d = await demo();
  assertAlert(
    () =>
      verifyCertificateChain([d.caCertificate], {
        serverName: "localhost",
        trustAnchors: [d.caCertificate],
        nowMs: NOW,
      }),
    CertificateAlert.BAD_CERTIFICATE,
    /CA certificate as end entity/,
  );
});

Deno.test("verifyCertificateChain() refuses a leaf as an issuer", async () => {
  const d = await demo();
  const leaf = new x509.X509Certificate(d.identity.chain[0]! as Uint8Array<ArrayBuffer>);
  const pkcs8 = certificatesFromPem(d.keyPem.replaceAll("PRIVATE KEY", "CERTIFICATE"))[0]!;
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const leafKey = await crypto.subtle.importKey(
    "pkcs8",
    pkcs8 as Uint8Array<ArrayBuffer>,
    alg,
    false,
    ["sign"],
  );
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]) as CryptoKeyPair;
  const sub = await x509.X509CertificateGenerator.create({
    serialNumber: "0a",
    subject: "CN=sub",
    issuer: leaf.subject,
    notBefore: new Date(Date.UTC(2021, 0, 1)),
    notAfter: new Date(Date.UTC(2040, 0, 1)),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: leafKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "sub" }])],
  });
  assertAlert(
    () =>
      verifyCertificateChain([new Uint8Array(sub.rawData), ...d.identity.chain], {
        serverName: "sub",
        trustAnchors: [d.caCertificate],
        nowMs: NOW,
      }),
    CertificateAlert.BAD_CERTIFICATE,
    /it is not a CA/,
  );
});

Deno.test("verifyCertificateChain() refuses a tampered signature", async () => {
  for (const keyType of ["ecdsa-p256", "ed25519", "rsa-pss"] as const) {
    const d = await demo(keyType);
    const leaf = d.identity.chain[0]!.slice();
    // The signature BIT STRING is the certificate's last element.
    leaf[leaf.length - 3] = leaf[leaf.length - 3]! ^ 0x01;
    assertAlert(
      () =>
        verifyCertificateChain([leaf, d.caCertificate], {
          serverName: "localhost",
          trustAnchors: [d.caCertificate],
          nowMs: NOW,
        }),
      CertificateAlert.BAD_CERTIFICATE,
      /Cannot verify the signature/,
    );
  }
});

Deno.test("verifyCertificateChain() refuses garbage and an empty chain", () => {
  assertAlert(
    () => verifyCertificateChain([], { serverName: "x", trustAnchors: [], nowMs: NOW }),
    CertificateAlert.BAD_CERTIFICATE,
    /empty chain/,
  );
  assertAlert(
    () =>
      verifyCertificateChain([new Uint8Array([0x30, 0x03, 1, 2, 3])], {
        serverName: "x",
        trustAnchors: [],
        nowMs: NOW,
      }),
    CertificateAlert.BAD_CERTIFICATE,
    /Cannot parse leaf certificate/,
  );
});

Deno.test("identityFromPem() loads the demo PEM and refuses a foreign key", async () => {
  const d = await demo();
  const id = identityFromPem(d.certPem, d.keyPem);
  assert.equal(id.chain.length, 2);
  assert.deepEqual(id.chain[0], d.identity.chain[0]);
  assert.deepEqual(id.signatureSchemes, [SignatureScheme.ECDSA_SECP256R1_SHA256]);
  assert.deepEqual(certificatesFromPem(d.caPem), [d.caCertificate]);
  assert.deepEqual(certificatesFromPem(certificatesToPem(d.identity.chain)), d.identity.chain);
  const other = await demo("ed25519");
  assert.throws(() => identityFromPem(d.certPem, other.keyPem), /does not match/);
  assert.equal(createPrivateKey(d.keyPem).asymmetricKeyType, "ec");
});

Deno.test("generateDemoCertificates() signs RSA certificates with sha256WithRSAEncryption", async () => {
  const d = await demo("rsa-pss");
  for (const der of d.identity.chain) {
    const cert = new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
    assert.equal(cert.signatureAlgorithm.name, "RSASSA-PKCS1-v1_5");
  }
  assert.deepEqual(d.identity.signatureSchemes, [0x0804, 0x0805, 0x0806]);
});

// An independent verifier: rustls (through Deno's QUIC, quinn) must accept the
// demo chains, since rustls-based peers are what we interoperate with.
const hasQuic = typeof (Deno as { QuicEndpoint?: unknown }).QuicEndpoint === "function";
Deno.test({
  name: "generateDemoCertificates() chains are accepted by rustls for every key type",
  ignore: !hasQuic,
  async fn() {
    for (const keyType of ["ecdsa-p256", "ed25519", "rsa-pss"] as const) {
      const d = await demo(keyType);
      const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
      const listener = endpoint.listen({ cert: d.certPem, key: d.keyPem, alpnProtocols: ["t"] });
      const accepted = listener.accept().catch(() => null);
      try {
        const conn = await Deno.connectQuic({
          hostname: "127.0.0.1",
          port: endpoint.addr.port,
          serverName: "localhost",
          caCerts: [d.caPem],
          alpnProtocols: ["t"],
        });
        assert.equal(conn.protocol, "t", keyType);
        conn.close();
        (await accepted)?.close();
      } finally {
        endpoint.close();
        await accepted;
      }
    }
  },
});

Deno.test("verifyCertificateChain() refuses a certificate with a malformed extension as bad_certificate", async () => {
  const demo = await generateDemoCertificates({ names: ["localhost"] });
  const leaf = demo.identity.chain[0]!.slice();
  // Corrupt bytes deep inside the extensions (the tail of the TBS), keeping the DER lengths.
  for (let i = leaf.length - 120; i < leaf.length - 90; i++) leaf[i] = 0x30;
  assert.throws(
    () =>
      verifyCertificateChain([leaf], {
        serverName: "localhost",
        trustAnchors: [demo.caCertificate],
        nowMs: Date.UTC(2030, 0, 1),
      }),
    (e: unknown) => e instanceof TlsAlert && e.alert === 42,
  );
});
