/**
 * The text of `pquic --help`.
 *
 * @module
 */

import { DEFAULT_PORT, PLUGINS_UNAVAILABLE } from "./args.ts";

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
  -z           client: force a HelloRetryRequest (prefer X25519, send only a P-256 key share)
  -R           no resumption: the client neither uses nor stores tickets, the server issues none
               (otherwise tickets are kept in the cache dir's tickets.json)
  -o dir       client download directory (default: the current directory)
  -D           client: do not save received files
  -X file      write TLS secrets in NSS key-log format (also the SSLKEYLOGFILE variable)
  -l file      log file (default stdout; /dev/null disables)
  -q file      qlog file (JSON-SEQ, loads in qvis)
  -m mtu       largest UDP payload to try (1200-65527; default discovery up to 1452)
  --key-update ms  client: start a TLS key update every ms milliseconds
  -4           ignored (deprecated in picoquicdemo)
  -h, --help   this text
  --version    the pquic version
  -P file, -Q file, -C dir, -L, -S file: ${PLUGINS_UNAVAILABLE}

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
