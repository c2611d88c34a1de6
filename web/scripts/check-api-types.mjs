// `npm run api:check`: regenerates the edge's OpenAPI document and schema.ts into a temporary folder,
// as `npm run api:generate` does, and fails when the committed src/api/ copies differ.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = dirname(web);
const FILES = ["openapi.json", "schema.ts"];

/** Runs a command quietly; on failure shows its output and returns false. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status === 0) return true;
  process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `${result.error.message}\n` : ""}`);
  console.error(`api:check: \`${[command, ...args].join(" ")}\` failed (in ${cwd})`);
  return false;
}

const readOrNull = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

function check(out) {
  const document = join(out, "openapi.json");
  // From the repository root, where `edge` is importable.
  if (!run(join(repo, ".venv", "bin", "python"), ["-m", "edge.openapi_document", "--out", document], repo)) return 2;
  if (!run(join(web, "node_modules", ".bin", "openapi-typescript"), [document, "--output", join(out, "schema.ts")], web)) {
    return 2;
  }
  const stale = FILES.filter((file) => readOrNull(join(web, "src", "api", file)) !== readOrNull(join(out, file)));
  if (stale.length > 0) {
    const names = stale.map((file) => `src/api/${file}`).join(" and ");
    console.error(
      `api:check: ${names} ${stale.length === 1 ? "is" : "are"} stale against the edge's OpenAPI document: ` +
        "run `npm run api:generate` in web/ and commit the result.",
    );
    return 1;
  }
  console.log("api:check: src/api/openapi.json and src/api/schema.ts match the edge.");
  return 0;
}

const out = mkdtempSync(join(tmpdir(), "console-api-"));
try {
  process.exitCode = check(out);
} finally {
  rmSync(out, { recursive: true, force: true });
}
