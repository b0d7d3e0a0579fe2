/**
 * The text of `pquic --help`.
 *
 * @module
 */

import { DEFAULT_PORT, PLUGINS_UNAVAILABLE } from "./args.ts";
import { RELAY_USAGE } from "./relay_args.ts";
import { PLUGIN_USAGE } from "./plugin_command.ts";
import { BUILTIN_PLUGINS } from "../plugins/builtins.ts";

/** `names` joined with commas, wrapped before `width` and indented by `indent` on later lines. */
function wrapList(names: readonly string[], indent: number, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const [i, name] of names.entries()) {
    const item = name + (i < names.length - 1 ? "," : "");
    const first = lines.length === 0 ? indent + " built-in by name: ".length : indent;
    if (line !== "" && first + line.length + 1 + item.length > width) {
      lines.push(line);
      line = item;
    } else line = line === "" ? item : `${line} ${item}`;
  }
  lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}

/** The usage text for `version`. */
export function usage(version: string): string {
  return `pquic ${version} — Pluginized QUIC (picoquicdemo-compatible)

Usage:
  pquic [server_name [port [scenario]]] [options]
      no server name: a server on -p (default ${DEFAULT_PORT}) bound to :: (IPv4 and IPv6);
      with a server name: a client that runs the scenario (default picoquicdemo's)
  pquic server [options]                 a server, as without a server name
  pquic client URL [options]             fetch one URL: https://host:port/path (HTTP/3)
                                         or hq://host:port/path (hq-interop)
  pquic vm run <file.o|raw> [--entry fn] [--args a,b,c] [--mem FILE] [--interp|--jit]
  pquic vm disasm <file>                 the eBPF tools
  ${RELAY_USAGE.replaceAll("\n", "\n  ")}
  ${PLUGIN_USAGE.replaceAll("\n", "\n  ")}
  pquic --help | --version

Options (picoquicdemo's letters):
  -c file      server certificate chain (PEM)   } without both: a demo CA and leaf made
  -k file      server private key (PEM)         } once in the cache dir (its CA is printed)
  -p port      server port (default ${DEFAULT_PORT}; also --port)
  -w dir       server web root (files served by path; /<n> = n bytes of picoquicdemo's pattern)
  -1           server: serve one connection, then exit
  -r           server: validate client addresses with a Retry first (picoquicdemo's -r asks for a
               HelloRetryRequest; pquic uses QUIC's Retry)
  -G size      client: GET /<size> only (hq-interop, nothing saved)
  -a alpn      client ALPN: h3 or hq (hq-interop; hq-29/h3-29 with draft-29);
               default h3 then hq-interop
  -n sni       client SNI (default: the server name)
  -t file      client trust anchors (PEM); without it the certificate is NOT verified
  -v version   client QUIC version, hex: 1 (v1, default), 6b3343cf (v2), ff00001d (draft-29)
  -z           client: force a HelloRetryRequest (the first ClientHello carries no key share)
  -R           no resumption: the client neither uses nor stores tickets, the server issues none
               (otherwise tickets are kept in the cache dir's tickets.json)
  -o dir       client download directory (default: the current directory)
  -D           client: do not save received files
  -X file      write TLS secrets in NSS key-log format (also the SSLKEYLOGFILE variable)
  -l file      log file (default stdout; /dev/null disables)
  -q file      qlog file (JSON-SEQ, loads in qvis)
  -m mtu       largest UDP payload to try (1200-65527; default discovery up to 1452, to a
               loopback peer up to 65507/65488; a plugin's max_packet= bounds both)
  --key-update ms  client: start a TLS key update every ms milliseconds
  -4           ignored (deprecated in picoquicdemo)
  -h, --help   this text
  --version    the pquic version
  -P plugin    inject a local plugin into every connection (repeatable): a .plugin file, or a
               built-in by name: ${wrapList(BUILTIN_PLUGINS, 15, 100)}
  -S file      per-pluglet statistics at the end of each connection (calls, time, faults,
               heap high-water); - = stdout
  -Q plugin    run a plugin at both ends (repeatable): offered to the peer, which fetches it
               over the connection when it lacks it; a .plugin file, a built-in, or a .bundle
  -C dir       plugin cache: received plugins are kept here (by name and digest) and
               used by later connections without a transfer
  --plugin-trust any|allow:FILE|signed:KEY[,KEY]
               what a received plugin must satisfy (default any: archive, digest and
               verifier checks only)
  -L: ${PLUGINS_UNAVAILABLE}

Cache dir: $PQUIC_CACHE_DIR, else $XDG_CACHE_HOME/pquic, else ~/.cache/pquic.

Exit codes:
  0  success (client: every request answered intact; server: stopped normally)
  1  connection or transfer failure (or the server could not start)
  2  bad command line, or an option that is not available yet

Examples:
  pquic                                  a server on port ${DEFAULT_PORT}
  pquic -4 -G 10000 ::1 ${DEFAULT_PORT}              fetch 10000 bytes from it over hq-interop
  pquic client https://localhost:${DEFAULT_PORT}/1000000  fetch 1 MB over HTTP/3`;
}
