// Fails the production build if anything from dev/mock.ts reached dist/ (its marker string,
// the mocks module, or the mock's fixture clip).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const MARKERS = ["KYMA_STUDIO_DEV_MOCK", "__TAURI_INTERNALS__.invoke = invoke", "mockIPC"];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

const found = [];
for (const file of files("dist")) {
  if (file.endsWith(".webm")) found.push(`${file}: the mock's fixture clip`);
  const text = readFileSync(file, "latin1");
  for (const m of MARKERS) if (text.includes(m)) found.push(`${file}: ${m}`);
}
if (found.length > 0) {
  console.error(`The production build contains the dev mock:\n  ${found.join("\n  ")}`);
  process.exit(1);
}
console.log("dist/ is free of the dev mock.");
