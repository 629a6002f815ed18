// `npm start`: the Worker and the offline Authlete emulator in one local workerd, with
// local KV under .wrangler/state. Nothing leaves the machine and no Cloudflare login is needed.
// In front of the Worker, scripts/dev-place places each request where .dev.cf.json says.
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { describePlaces, PLACES_FILE, PlacesError, readPlaces } from "./dev-place/places.mjs";
import { readDevVars } from "./dev-vars.mjs";
import { localOrigin, localPort, PortError } from "./lib/local-origin.mjs";

let port;
let places;
try {
  port = localPort();
  places = readPlaces();
} catch (err) {
  if (!(err instanceof PortError || err instanceof PlacesError)) throw err;
  console.error(`npm start: ${err.message}`);
  process.exit(1);
}
const origin = localOrigin();

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example (emulator credentials).");
} else {
  // A .dev.vars from an older checkout lacks variables added since (EDGE_SECRET, say): add
  // those from the example, never touching a value the developer set.
  const have = new Set(
    readFileSync(".dev.vars", "utf8")
      .split("\n")
      .map((l) => l.slice(0, l.indexOf("="))),
  );
  const missing = Object.entries(readDevVars()).filter(([name]) => !have.has(name));
  if (missing.length) {
    appendFileSync(".dev.vars", `\n# Added by npm start from .dev.vars.example\n${missing.map(([k, v]) => `${k}=${v}`).join("\n")}\n`);
    console.log(`Added ${missing.map(([k]) => k).join(", ")} to .dev.vars from .dev.vars.example.`);
  }
}

// The emulator's seed points its URLs at 127.0.0.1:8787; tell it the real origin. wrangler's
// --var reaches only the first Worker, so it goes in the emulator's own (git-ignored) .dev.vars.
writeFileSync("emulator/.dev.vars", `PUBLIC_URL=${origin}\n`);

// The first configuration is the Worker that listens (dev-place, which hands every request to
// the Worker); its --var PLACES reaches it alone. Local state stays where the Worker's own
// configuration would keep it.
const args = [
  "dev",
  ...["-c", "scripts/dev-place/wrangler.toml", "-c", "wrangler.toml", "-c", "emulator/wrangler.toml"],
  ...["--persist-to", ".wrangler/state", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0"],
  ...(places ? ["--var", `PLACES:${JSON.stringify(places)}`] : []),
];

const child = spawn("wrangler", args, {
  stdio: ["inherit", "pipe", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
child.stdout.pipe(process.stdout);

const placesHint = places
  ? `Placed by ${PLACES_FILE}; restart npm start after editing it.`
  : `To place the device and the browser apart: cp .dev.cf.example.json ${PLACES_FILE}, then restart.`;

let announced = false;
const ready = async () => {
  for (let i = 0; i < 120 && !announced; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const res = await fetch(`${origin}/.well-known/openid-configuration`);
      if (res.ok) {
        announced = true;
        console.log(`
  device-flow-edge is running at ${origin} (Authlete: offline emulator)

  Demo device client:  client_id=demo-device   (public, scopes openid profile)
  Demo user:           demo / demo

  Try the device side:
    curl -s -X POST ${origin}/device_authorization -d client_id=demo-device -d "scope=openid profile"
  then open the verification_uri it prints, and poll:
    curl -s -X POST ${origin}/token -d client_id=demo-device \\
      -d grant_type=urn:ietf:params:oauth:grant-type:device_code -d device_code=<device_code>

  Where requests come from (request.cf, what the proximity check compares):
    ${describePlaces(places).join("\n    ")}
  ${placesHint}

  Ctrl-C stops both Workers.
`);
      }
    } catch {
      // not listening yet
    }
  }
};
ready();

const stop = (signal) => child.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
