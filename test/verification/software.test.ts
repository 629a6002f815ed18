import { describe, expect, it } from "vitest";
import { placeName, regionName } from "../../src/verification/places";
import { describeSoftware, selfDescription } from "../../src/verification/software";

describe("a friendly name for the device's software, in the page's language", () => {
  it.each([
    ["DemoTV/2.1 (Tizen 8.0)", "Smart TV (Tizen)", "スマートテレビ（Tizen）"],
    ["Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 Chrome/94.0 Safari/537.36", "Smart TV (webOS)", "スマートテレビ（webOS）"],
    ["Roku/DVP-12.5 (12.5.0.4174-56)", "Smart TV (Roku)", "スマートテレビ（Roku）"],
    [
      "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7633) AppleWebKit/537.36 (KHTML, like Gecko) Silk/112.5.1 like Chrome/112.0",
      "Smart TV (Fire TV)",
      "スマートテレビ（Fire TV）",
    ],
    [
      "Mozilla/5.0 (Linux; Android 9; BRAVIA 4K UR2 Build/PTT1.190515.001.S52) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0 Safari/537.36",
      "Smart TV (BRAVIA)",
      "スマートテレビ（BRAVIA）",
    ],
    // Android TVs that do not say "Android TV": the word TV on either side of Android.
    ["Dalvik/2.1.0 (Linux; U; Android 11; SHIELD TV Build/RQ1A.210105.003)", "Smart TV (Android TV)", "スマートテレビ（Android TV）"],
    ["ExoPlayerLib/2.19.1 (Linux; TV; Android 12) MiTV", "Smart TV (Android TV)", "スマートテレビ（Android TV）"],
    ["Mozilla/5.0 (PlayStation; PlayStation 5/6.50) AppleWebKit/605.1.15 (KHTML, like Gecko)", "Game console (PlayStation)", "ゲーム機（PlayStation）"],
    ["curl/8.5.0", "A program (curl)", "プログラム（curl）"],
    ["node", "A program (Node.js)", "プログラム（Node.js）"],
    ["Wget/1.21.4", "A program (Wget)", "プログラム（Wget）"],
    ["okhttp/4.12.0", "A program (OkHttp)", "プログラム（OkHttp）"],
    ["Java/17.0.11", "A program (Java)", "プログラム（Java）"],
    ["python-requests/2.32.3", "A program (Python)", "プログラム（Python）"],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
      "Chrome on Android",
      "Android の Chrome",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari on iPhone",
      "iPhone の Safari",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
      "Edge on Windows",
      "Windows の Edge",
    ],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on macOS", "macOS の Firefox"],
  ])("%s → %s / %s", (ua, en, ja) => {
    expect(describeSoftware(ua, "en")).toBe(en);
    expect(describeSoftware(ua, "ja")).toBe(ja);
  });

  it("anything else gets no name (and the page shows nothing of the raw text)", () => {
    expect(describeSoftware("MyDevice/1.0", "en")).toBeNull();
    expect(describeSoftware("", "en")).toBeNull();
  });

  it("the friendly name said as the device's claim, never a label of fact, in both languages; none without a name", () => {
    expect(selfDescription("DemoTV/2.1 (Tizen 8.0)", "en")).toBe("Says it is: Smart TV (Tizen)");
    expect(selfDescription("DemoTV/2.1 (Tizen 8.0)", "ja")).toBe("自己申告: スマートテレビ（Tizen）");
    expect(selfDescription("SMART-TV; Tizen", "en")).toBe("Says it is: Smart TV (Tizen)");
    expect(selfDescription("curl/8.5.0", "ja")).toBe("自己申告: プログラム（curl）");
    expect(selfDescription("MyDevice/1.0", "en")).toBeNull();
    expect(selfDescription(null, "en")).toBeNull();
  });
});

describe("places: coarse, with the country in the page's language", () => {
  it("city, region (when it is not the city) and country; Japanese leads with the country", () => {
    expect(placeName({ city: "Austin", region: "Texas", country: "US" }, "en")).toBe("Austin, Texas, United States");
    expect(placeName({ city: "Austin", region: "Texas", country: "US" }, "ja")).toBe("アメリカ合衆国（Austin, Texas）");
    expect(placeName({ city: "Tokyo", region: "Tokyo", country: "JP" }, "en")).toBe("Tokyo, Japan");
    expect(placeName({ city: null, region: null, country: "JP" }, "ja")).toBe("日本");
    expect(placeName({ city: null, region: null, country: "T1" }, "en")).toBe("T1");
    expect(placeName({ city: null, region: null, country: null }, "en")).toBeNull();
  });

  it("the device's place: region and country, never the city", () => {
    expect(regionName({ region: "Texas", country: "US" }, "en")).toBe("Texas, United States");
    expect(regionName({ region: "Hesse", country: "DE" }, "ja")).toBe("ドイツ（Hesse）");
    expect(regionName({ region: null, country: "JP" }, "en")).toBe("Japan");
    expect(regionName({ region: null, country: null }, "en")).toBeNull();
  });
});
