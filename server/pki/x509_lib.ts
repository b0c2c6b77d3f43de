/**
 * `@peculiar/x509` wired to WebCrypto. Loading it (and its ASN.1 dependencies) takes a good part
 * of a second, so the server reaches it only through {@linkcode loadX509} in `x509.ts`, when a
 * certificate must be made or a certificate request read; tests and the `k3s certificate`
 * command may import it directly.
 *
 * Import x509 from here, never from the package: the Reflect shim must run before it loads.
 *
 * @module
 */

import "./reflect_polyfill.ts";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };
