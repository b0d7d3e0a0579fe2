import assert from "node:assert/strict";
import { dnsNameMatches, parseIpAddress, serverNameMatches } from "./server_name.ts";
import { toHex } from "./testdata/vectors.ts";

Deno.test("parseIpAddress() reads IPv4, IPv6 with :: and a trailing dotted quad", () => {
  assert.equal(toHex(parseIpAddress("127.0.0.1")!), "7f000001");
  assert.equal(toHex(parseIpAddress("::1")!), "00000000000000000000000000000001");
  assert.equal(toHex(parseIpAddress("[::1]")!), "00000000000000000000000000000001");
  assert.equal(
    toHex(parseIpAddress("2001:db8::8:800:200c:417a")!),
    "20010db80000000000080800200c417a",
  );
  assert.equal(toHex(parseIpAddress("::ffff:192.0.2.1")!), "00000000000000000000ffffc0000201");
  assert.equal(toHex(parseIpAddress("fe80::1%eth0")!), "fe800000000000000000000000000001");
  for (
    const bad of ["localhost", "1.2.3", "1.2.3.256", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ""]
  ) {
    assert.equal(parseIpAddress(bad), null, bad);
  }
});

Deno.test("dnsNameMatches() honours a wildcard only as the whole left-most label", () => {
  assert.ok(dnsNameMatches("example.com", "EXAMPLE.com."));
  assert.ok(dnsNameMatches("*.example.com", "www.example.com"));
  assert.ok(!dnsNameMatches("*.example.com", "example.com"));
  assert.ok(!dnsNameMatches("*.example.com", "a.b.example.com"));
  assert.ok(!dnsNameMatches("*.com", "example.com"));
  assert.ok(!dnsNameMatches("w*.example.com", "www.example.com"));
});

Deno.test("serverNameMatches() compares IP literals as bytes and only against IP entries", () => {
  const names = [{ type: "dns", value: "localhost" }, { type: "ip", value: "0:0::1" }];
  assert.ok(serverNameMatches(names, "::1"));
  assert.ok(serverNameMatches(names, "localhost"));
  assert.ok(!serverNameMatches(names, "127.0.0.1"));
  // A DNS entry spelling an address does not cover the address.
  assert.ok(!serverNameMatches([{ type: "dns", value: "127.0.0.1" }], "127.0.0.1"));
  assert.ok(!serverNameMatches([], "localhost"));
});
