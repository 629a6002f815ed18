import type { Identity } from "../auth/authenticator";
import type { Decision, DeviceRequest } from "../grant/record";
import type { Place } from "../http/client-place";
import type { FlowPolicy } from "../protection/client-policy";
import type { Assessment } from "../protection/proximity";
import type { Watched } from "../protection/reported-networks";
import type { Table } from "../storage/kv";
import { guarded } from "./errors";

/**
 * One verification in progress, keyed by the hash of the browser's flow cookie. It holds
 * everything Authlete's /device/verification told us, so later steps never ask again,
 * and the step reached, so no step can be skipped by posting to a later form.
 */
export type ActiveStep = "confirm" | "sign_in" | "consent";

export interface ActiveFlow {
  step: ActiveStep;
  userCode: string;
  /** Epoch ms when the user code expires (Authlete `expiresAt`). */
  expiresAt: number;
  clientName: string | null;
  scopes: string[];
  claimNames: string[];
  /**
   * The ACRs the client asked for (Authlete's `acrs`: its supported `acr_values`, else the
   * client's default ACRs): asked of an upstream provider, and compared with what the sign-in
   * achieved at consent. Absent in flows saved before it was kept: none asked.
   */
  acrs?: string[];
  resources: string[];
  authorizationDetails: Record<string, unknown>[];
  device: DeviceRequest | null;
  /** Authlete's numeric client id (/device/verification `clientId`): which proximity policy applies. */
  clientId: number | null;
  /** What the proximity check found when this browser entered the code (null only in a flow saved before every flow had one). */
  proximity: FlowProximity | null;
  /** Set on entering consent: the user who will approve or deny. */
  identity?: Identity;
  /**
   * What the client's policy decided when the code was entered (protection/client-policy.ts):
   * the scopes granted and withheld (`scopes` and `claimNames` above are already narrowed), the
   * token lifetimes, the bound on the sign-in's age. Absent in flows saved before it was kept:
   * nothing limited.
   */
  policy?: FlowPolicy;
  /** The identity was signed in by this flow (its form or a provider's callback), not a session the browser already had. */
  signedInHere?: boolean;
}

/** The assessment, and the browser's coarse place to show beside the device's (no address, no coordinates). */
export interface FlowProximity extends Assessment {
  browser: Pick<Place, "country" | "region">;
}

/** How a flow ended: the decision its grant records (grant/record.ts). */
export type Outcome = Decision;

/** What is left once the flow has ended: enough for one "done" page, no code. */
export interface EndedFlow {
  step: "ended";
  outcome: Outcome;
  clientName: string | null;
  /** For "blocked": the two countries, to say why. */
  countries?: { device: string | null; browser: string | null };
  /** For "blocked": refused because another person entered the same code (CLIENT_POLICY `oneCodeOnePerson: block`). */
  shared?: boolean;
  /** For "blocked": refused because the device asked from a network on the watch list. */
  reportedNetwork?: true;
  /** For "approved": what "That wasn't me" needs, until `until`. Never a code or a token. */
  undo?: UndoRecord;
}

/**
 * What undoing an approval needs once the code is forgotten: whose tokens, for which client, and
 * the grant to tell (a keyed reference), with the keyed tags of its log lines and of the device's
 * networks for the watch list.
 */
export interface UndoRecord {
  /** Epoch ms: the end of the window in which the done page offers "That wasn't me". */
  until: number;
  /** The person's subject at Authlete: /client/authorization/delete deletes this client's tokens for it. */
  subject: string;
  /** Authlete's numeric client id. */
  clientId: number;
  /** The grant's reference (grant/store.ts `ref`: its pointer's name, a keyed hash). */
  grant: string;
  /** The code's log tag, so `approval_undone` joins the approval's own lines. */
  code: string;
  /** The device's entries on the watch list (keyed names and tags). */
  watched: Watched;
}

export type Flow = ActiveFlow | EndedFlow;

/** KV's minimum TTL: an ended flow only has to survive the 303 to its result page. */
const ENDED_TTL_SECONDS = 60;

export class FlowStore {
  constructor(
    private readonly table: Table<Flow>,
    private readonly now: () => number,
  ) {}

  load(flowId: string): Promise<Flow | null> {
    return guarded("load verification state", () => this.table.get(flowId));
  }

  save(flowId: string, flow: ActiveFlow): Promise<void> {
    return guarded("save verification state", () => this.table.put(flowId, flow, (flow.expiresAt - this.now()) / 1000));
  }

  /** Whether the user code of an active flow has run out (KV deletes expired keys lazily, and not before 60 s). */
  expired(flow: ActiveFlow): boolean {
    return flow.expiresAt <= this.now();
  }

  /** Replaces the flow (code, client, identity) by its outcome; kept while an approval can be undone. */
  end(flowId: string, outcome: Omit<EndedFlow, "step">): Promise<void> {
    const ended: EndedFlow = { step: "ended", ...outcome };
    const ttl = Math.max(ENDED_TTL_SECONDS, ((outcome.undo?.until ?? 0) - this.now()) / 1000);
    return guarded("end verification", () => this.table.put(flowId, ended, ttl));
  }

  remove(flowId: string): Promise<void> {
    return guarded("delete verification state", () => this.table.delete(flowId));
  }
}
