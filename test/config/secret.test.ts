import { describe, expect, it } from "vitest";
import { SECRET_RULE, secretProblem } from "../../src/config/secret";

describe("EDGE_SECRET's rule: obviously weak values are refused, precisely", () => {
  it.each([
    ["openssl rand -base64 32", "lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0="],
    ["openssl rand -hex 16 (exactly 128 bits)", "8a7b6704415ab2e46144218169f494ec"],
    ["openssl rand -hex 32, upper case", "8A7B6704415AB2E46144218169F494EC0C1D2E3F40516273A4B5C6D7E8F90112"],
    ["base64url", "smhI6pY1GUbyf2ony2S4Xxr2m_058q4UM8oMoxaGibY"],
    ["free text with enough different characters (the demo value)", "local-edge-secret-not-for-production-0123456789"],
    ["39 decimal digits (129.5 bits)", "804913378029385761203948571029384756102"],
  ])("accepted: %s", (_, value) => {
    expect(secretProblem(value)).toBeNull();
  });

  it.each([
    ["shorter than 32 characters", "lwnjvMPtKXbC4fSrjh4OnVoZR915rbI", "must be at least 32 characters (openssl rand -base64 32)"],
    ["one character repeated", "x".repeat(64), "must not be one character repeated (openssl rand -base64 32)"],
    ["a word repeated", "passwordpasswordpasswordpassword", "must use at least 8 different characters (it uses 7)"],
    ["two characters alternating", "ab".repeat(20), "must use at least 8 different characters (it uses 2)"],
    [
      "38 decimal digits (126 bits)",
      "80491337802938576120394857102938475610",
      "must carry at least 128 bits: 38 decimal digits carry 126 (openssl rand -base64 32)",
    ],
  ])("refused: %s", (_, value, message) => {
    expect(secretProblem(value)).toContain(message);
    // The message never quotes the value.
    expect(secretProblem(value)).not.toContain(value.slice(0, 8));
  });

  it("the thresholds", () => {
    expect(SECRET_RULE).toEqual({ minLength: 32, minDistinct: 8, minBits: 128 });
  });
});
