import type { AppEnv } from "../app-env";
import type { Authenticator } from "../auth/authenticator";
import type { PageConfig } from "../config";
import type { FlowStore } from "../session/flow";
import type { SignInStore } from "../session/sign-in";
import type { Locale } from "./locale";

/** The /device routes' context: the app's, plus what every page needs. */
export interface PageEnv {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & {
    /** CSP nonce of this response's <style>. */
    nonce: string;
    locale: Locale;
    page: PageConfig;
    authenticator: Authenticator;
    flows: FlowStore;
    signIns: SignInStore;
  };
}
