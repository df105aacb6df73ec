#!/usr/bin/env node
// The `adjoint` command (package.json "bin"): build, show and setup.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { BUILD_HELP, build, processOutput, type Output } from "./build";
import { SETUP_HELP, setup } from "./setup";
import { SHOW_HELP, show } from "./show";

const HELP = `Usage: adjoint <command> [options]

Commands:
  build [-p tsconfig.json] [--watch]   compile a project with the adjoint transformer, as tsc
                                       does (no ts-patch; works for TypeScript 7 projects)
  show <file.ts> [--fn <name>]         print the code generated for a file, or its diagnostics
  setup [--dry-run]                    set adjoint up in the project in this folder

Run \`adjoint <command> --help\` for a command's options.
  -h, --help     this help
  -v, --version  adjoint's version
`;

export async function main(argv: readonly string[], cwd: string, output: Output): Promise<number> {
  const [command, ...args] = argv;
  const wantsHelp = args.includes("--help") || args.includes("-h");
  switch (command) {
    case undefined:
      // A usage error: the help goes where errors go.
      output.err(HELP);
      return 2;
    case "help":
    case "--help":
    case "-h":
      output.out(HELP);
      return 0;
    case "--version":
    case "-v":
    case "version":
      output.out(`${version()}\n`);
      return 0;
    case "build":
      if (wantsHelp) return help(output, BUILD_HELP);
      return build(args, cwd, output);
    case "show": {
      if (wantsHelp) return help(output, SHOW_HELP);
      const parsed = parse(args, { fn: { type: "string" }, project: { type: "string", short: "p" } }, output, "show");
      if (!parsed) return 2;
      if (parsed.positionals.length !== 1) {
        output.err(
          parsed.positionals.length === 0
            ? "adjoint show: which file? Usage: adjoint show <file.ts> [--fn <name>]\n"
            : `adjoint show: one file at a time (got ${parsed.positionals.join(", ")}).\n`,
        );
        return 2;
      }
      const { fn, project } = parsed.values as { fn?: string; project?: string };
      return show({ file: parsed.positionals[0]!, fn, project, cwd }, output);
    }
    case "setup": {
      if (wantsHelp) return help(output, SETUP_HELP);
      const parsed = parse(
        args,
        { "dry-run": { type: "boolean" }, project: { type: "string", short: "p" } },
        output,
        "setup",
      );
      if (!parsed) return 2;
      if (parsed.positionals.length > 0) {
        output.err(`adjoint setup: unexpected argument ${parsed.positionals[0]}; it sets up the working directory.\n`);
        return 2;
      }
      const values = parsed.values as { "dry-run"?: boolean; project?: string };
      return setup({ cwd, dryRun: values["dry-run"], project: values.project }, output);
    }
    default:
      output.err(
        `adjoint: unknown ${command.startsWith("-") ? "option" : "command"} \`${command}\`. ` +
          "The commands are build, show and setup; `adjoint --help` describes them.\n",
      );
      return 2;
  }
}

function help(output: Output, text: string): number {
  output.out(text);
  return 0;
}

type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parse(args: readonly string[], options: OptionSpec, output: Output, command: string) {
  try {
    return parseArgs({ args: args.slice(), options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs's messages name the option: "Unknown option '--fun'", "Option '--fn <value>' argument missing".
    output.err(`adjoint ${command}: ${e instanceof Error ? e.message : e}. Run \`adjoint ${command} --help\`.\n`);
    return undefined;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string };
  return pkg.version;
}

if (require.main === module) {
  main(process.argv.slice(2), process.cwd(), processOutput()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`adjoint: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
