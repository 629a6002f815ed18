import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium (browser downloads fail on these machines), headless, with the
 * background-networking features off so nothing tries to leave the machine.
 */
export interface ChromiumOptions {
  /** Chromium's --host-resolver-rules, e.g. "MAP idp.localhost 127.0.0.1": a host name of its own for a local server. */
  hostResolverRules?: string;
}

export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...(options.hostResolverRules ? [`--host-resolver-rules=${options.hostResolverRules}`] : []),
    ],
  });
}
