/**
 * The X.509 library (`@peculiar/x509`), imported in this one place.
 *
 * `reflect-metadata` must be loaded before it (its ASN.1 schemas use
 * decorators). Both come with full `npm:` specifiers rather than bare names
 * mapped in deno.json, so that `deno run https://…/cli.ts` resolves them
 * without the checkout's import map, as a user of a remote module runs it.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import "npm:reflect-metadata@0.2.2";
export * from "npm:@peculiar/x509@2.2.0";
