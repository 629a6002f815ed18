// Row 4, Authlete calls per completed grant: one device polls at 1×, 2× and 10× the allowed
// rate until it gets tokens, once through the Worker and once through the plain proxy Worker
// (bench/proxy-worker.ts), in simulated time; Authlete's calls are counted in the emulator's log.
import { fmt, table } from "../lib/format.mjs";
import { authleteApi, createCodes, poll } from "../lib/http.mjs";
import { browser, decide, enterAndConfirm, expectForm, signInWithPassword } from "../lib/page.mjs";

/** When the user approves, in simulated seconds after the codes were issued. */
const APPROVE_AT_S = 30;
/** How much faster than allowed the device polls; 1 is a compliant device. */
const FACTORS = [1, 2, 10];

/**
 * @typedef {{ factor: number, edge: boolean, interval: number, polls: number, slowDowns: number, tokensAt: number | null,
 *   maxSlowDownInterval?: number, firstSlowDownInterval?: number,
 *   tokenCalls: number, daCalls: number, completeCalls: number, loggedTotal: number }} GrantRow
 * @typedef {{ rows: GrantRow[], approveAt: number, interval: number, minimum: number }} Grants
 */

/**
 * @param {import("../lib/stack.mjs").Urls} urls
 * @param {import("../lib/http.mjs").Control} control
 * @returns {Promise<Grants>}
 */
export async function measure(urls, control) {
  console.log(`\n[4] Authlete calls per completed grant (simulated time; approval at ${APPROVE_AT_S} s)`);
  /** @type {GrantRow[]} */
  const rows = [];
  const api = authleteApi(urls["authlete-emulator"]);
  for (const factor of FACTORS) {
    for (const edge of [true, false]) {
      await control("POST", "/_emulator/reset");
      const T0 = Date.now();
      const clock = (/** @type {number} */ t) => ({ "X-Bench-Now": String(Math.round(T0 + t * 1000)) });
      const setEmu = (/** @type {number} */ t) => control("POST", "/_emulator/clock", { offsetMs: Math.round(t * 1000) });
      let codes;
      if (edge) {
        // The device talks to the Worker (bench entry: its clock comes from X-Bench-Now).
        [codes] = await createCodes(urls["app-bench"], 1, { headers: clock(0), concurrency: 1 });
      } else {
        // The plain proxy forwards everything to Authlete, and has no clock of its own to set.
        [codes] = await createCodes(urls.proxy, 1, { concurrency: 1 });
      }
      if (!codes) throw new Error(`no device code (${edge ? "edge" : "plain proxy"})`);
      const { deviceCode, userCode } = codes;
      const sendPoll = async (/** @type {number} */ t) => {
        await setEmu(t);
        return (await poll(edge ? urls["app-bench"] : urls.proxy, deviceCode, clock(t))).json;
      };
      // 1×: a compliant device — waits the interval it was given, and longer after slow_down.
      // 2×, 10×: a device that polls that much faster and ignores slow_down.
      let interval = codes.interval;
      const period = () => (factor === 1 ? interval : codes.interval / factor);
      let t = 0;
      let approved = false;
      let polls = 0;
      let slowDowns = 0;
      /** @type {number | null} */
      let tokensAt = null;
      // The intervals the edge's slow_down answers asked for: the first and the largest.
      /** @type {number | undefined} */
      let firstAsked;
      /** @type {number | undefined} */
      let maxAsked;
      for (let i = 0; i < 5_000 && t < 600; i++) {
        t = Math.round((t + period()) * 1000) / 1000;
        if (!approved && t >= APPROVE_AT_S) {
          // The user approves; not a device call. With the edge, on the Worker's own page, which
          // records the decision in the grant (a decision made at Authlete directly would be heard
          // at the next pass-through instead); the plain proxy has no page, so Authlete is told
          // what a page would send it.
          await setEmu(APPROVE_AT_S);
          if (edge) {
            const b = browser(urls["app-bench"], { ip: `2001:db8:4a::${factor}`, now: () => T0 + APPROVE_AT_S * 1000 });
            expectForm(await enterAndConfirm(b, userCode), "/device/sign-in", "after Continue");
            await signInWithPassword(b);
            await decide(b, "approve");
          } else {
            const done = await api("/device/complete", { userCode, result: "AUTHORIZED", subject: "demo" });
            if (done.json?.action !== "SUCCESS") throw new Error(`device/complete: ${done.text}`);
          }
          approved = true;
        }
        polls++;
        const answer = await sendPoll(t);
        if (answer?.access_token) {
          tokensAt = t;
          break;
        }
        if (answer?.error === "slow_down") {
          slowDowns++;
          if (answer.interval !== undefined) {
            firstAsked ??= answer.interval;
            maxAsked = Math.max(maxAsked ?? 0, answer.interval);
          }
          if (factor === 1) interval = answer.interval ?? interval + 5;
        } else if (answer?.error !== "authorization_pending") throw new Error(`unexpected poll answer: ${JSON.stringify(answer)}`);
      }
      const logged = await control("GET", "/_emulator/requests");
      if (!Array.isArray(logged)) throw new Error(`emulator request log: ${JSON.stringify(logged)}`);
      const count = (/** @type {string} */ call) => logged.filter((e) => String(e?.path).endsWith(`/${call}`)).length;
      const row = {
        factor,
        edge,
        interval: codes.interval,
        polls,
        slowDowns,
        tokensAt,
        firstSlowDownInterval: firstAsked,
        maxSlowDownInterval: maxAsked,
        tokenCalls: count("auth/token"),
        daCalls: count("device/authorization"),
        completeCalls: count("device/complete"),
        loggedTotal: logged.length,
      };
      rows.push(row);
      console.log(
        `  ${factor}× ${edge ? "with edge   " : "plain proxy "}: ${polls} polls, ${row.tokenCalls} /auth/token calls, ${slowDowns} slow_down, tokens at ${tokensAt ?? "never"} s`,
      );
    }
  }
  await control("POST", "/_emulator/reset");
  const interval = rows[0]?.interval ?? NaN;
  return { rows, approveAt: APPROVE_AT_S, interval, minimum: Math.ceil(APPROVE_AT_S / interval) };
}

/** The row's table and the figures its prose cites. @param {Grants} g */
export function render(g) {
  const row = (/** @type {number} */ f, /** @type {boolean} */ e) => g.rows.find((x) => x.factor === f && x.edge === e);
  const fastest = Math.max(...g.rows.map((x) => x.factor));
  const edgeRows = g.rows.filter((x) => x.edge);
  const first = edgeRows.map((x) => x.firstSlowDownInterval).find((i) => i !== undefined);
  const caps = edgeRows.map((x) => x.maxSlowDownInterval).filter((i) => i !== undefined);
  const seconds = (/** @type {number | null | undefined} */ t) => (t === null || t === undefined ? "never" : `${t} s`);
  return {
    table: table(
      [
        "device polls at",
        "polls sent (edge / proxy)",
        "`/auth/token` calls **with the edge**",
        "tokens at (edge)",
        "`/auth/token` calls, plain proxy (baseline)",
        "tokens at (proxy)",
        "minimum possible",
      ],
      "lrrrrrr",
      FACTORS.map((f) => {
        const e = row(f, true);
        const n = row(f, false);
        return [
          `${f}× the allowed rate`,
          `${e?.polls ?? "—"} / ${n?.polls ?? "—"}`,
          `**${e?.tokenCalls ?? "—"}** (${e ? e.polls - e.tokenCalls : "—"} answered at the edge, ${e?.slowDowns ?? "—"} of them slow_down)`,
          seconds(e?.tokensAt),
          n?.tokenCalls ?? "—",
          seconds(n?.tokensAt),
          g.minimum,
        ];
      }),
    ),
    interval: g.interval,
    approveAt: g.approveAt,
    minimum: g.minimum,
    fastest,
    edgeCallsFastest: row(fastest, true)?.tokenCalls ?? "—",
    proxyCallsFastest: row(fastest, false)?.tokenCalls ?? "—",
    // What the run saw the edge ask for: the first slow_down's step up, and where it stopped.
    slowDownStep: first === undefined ? "—" : fmt(first - g.interval),
    slowDownCap: caps.length ? fmt(Math.max(...caps)) : "—",
  };
}
