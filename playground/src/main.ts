// The page's wiring: the editor (left), the generated code (right), the diagnostics, the
// output and the plot (below), the preset menu, the λ slider and the shared URL. Each edit
// is compiled after a 100 ms pause in typing; the timings are on window.__playground for the tests.
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics, type Diagnostic as LintDiagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import * as prettier from "prettier/standalone";
import babel from "prettier/plugins/babel";
import estree from "prettier/plugins/estree";
import { compile, type Diagnostic } from "./compile";
import { drawPlot } from "./plot";
import { LAMBDA_LINE, PRESETS } from "./presets";
import { format, run } from "./run";
import { decodeSession, encodeSession } from "./share";
import "./style.css";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const presetSelect = $<HTMLSelectElement>("preset");
const lambdaBox = $<HTMLLabelElement>("lambda-box");
const lambdaInput = $<HTMLInputElement>("lambda");
const lambdaValue = $<HTMLOutputElement>("lambda-value");
const problems = $<HTMLUListElement>("problems");
const output = $<HTMLPreElement>("output");
const plotBox = $<HTMLDivElement>("plot");
const status = $<HTMLSpanElement>("status");

/** What the tests read: timings of the last update, and the number of updates so far. */
const state = {
  /** Compile + format + display, from the debounce firing to the generated code shown (ms). */
  lastTransformMs: NaN,
  /** From the last keystroke to the generated code shown, the debounce included (ms). */
  lastKeystrokeToCodeMs: NaN,
  /** The compile alone (TypeScript program, adjoint's plan, emit), ms. */
  lastCompileMs: NaN,
  /** The compile's phases, and prettier's formatting, of the last update (ms). */
  lastPhases: {} as Record<string, number>,
  /** From the page's navigation start to the first generated code shown (ms): loading TypeScript included. */
  firstUpdateMs: NaN,
  updates: 0,
  js: "",
  diagnostics: [] as Diagnostic[],
  runs: 0,
  setCode: (code: string) => setCode(code),
  run: () => runNow(),
};
(window as unknown as { __playground: typeof state }).__playground = state;

for (const p of PRESETS) presetSelect.append(new Option(p.title, p.id));

/** The pause in typing before a compile: short enough that a keystroke's code shows within 200 ms. */
const DEBOUNCE_MS = 100;
let lastKeystroke = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let version = 0;
let runAfterUpdate = false;
/** The code the generated code on the right is of. */
let compiledCode = "";

const editor = new EditorView({
  parent: $("editor"),
  state: EditorState.create({
    doc: "",
    extensions: [
      basicSetup,
      javascript({ typescript: true }),
      lintGutter(),
      keymap.of([{ key: "Mod-Enter", run: () => (void runNow(), true) }]),
      EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        lastKeystroke = performance.now();
        performance.mark("playground:keystroke");
        clearTimeout(timer);
        timer = setTimeout(update, DEBOUNCE_MS);
      }),
    ],
  }),
});

const generated = new EditorView({
  parent: $("generated"),
  state: EditorState.create({
    doc: "",
    extensions: [
      basicSetup,
      javascript(),
      EditorView.lineWrapping,
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
    ],
  }),
});

function setCode(code: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: code }, selection: { anchor: 0 } });
  editor.scrollDOM.scrollTo(0, 0);
}

async function update(): Promise<void> {
  const mine = ++version;
  const started = performance.now();
  const code = editor.state.doc.toString();
  const result = compile(code);
  state.lastCompileMs = result.ms;
  showDiagnostics(result.diagnostics);
  let pretty = result.js;
  const formatStart = performance.now();
  try {
    pretty = await prettier.format(result.js, { parser: "babel", plugins: [babel, estree], printWidth: 90 });
  } catch {
    // Prettier failing on emitted code would be its bug or ours: show the code unformatted.
  }
  state.lastPhases = { ...result.phases, format: performance.now() - formatStart };
  if (mine !== version) return;
  generated.dispatch({ changes: { from: 0, to: generated.state.doc.length, insert: pretty } });
  const done = performance.now();
  performance.mark("playground:generated");
  state.lastTransformMs = done - started;
  state.lastKeystrokeToCodeMs = done - lastKeystroke;
  state.js = result.js;
  compiledCode = code;
  state.diagnostics = result.diagnostics;
  if (state.updates === 0) state.firstUpdateMs = done;
  state.updates++;
  status.textContent = `transformed in ${Math.round(state.lastTransformMs)} ms`;
  syncLambda(code);
  history.replaceState(null, "", await encodeSession({ preset: presetSelect.value || undefined, code }));
  if (runAfterUpdate) {
    runAfterUpdate = false;
    await runNow();
  }
}

function showDiagnostics(diagnostics: Diagnostic[]): void {
  const length = editor.state.doc.length;
  const lint: LintDiagnostic[] = diagnostics.map((d) => ({
    from: Math.min(d.from, length),
    to: Math.min(Math.max(d.to, d.from), length),
    severity: d.severity,
    source: d.code,
    message: d.message,
  }));
  editor.dispatch(setDiagnostics(editor.state, lint));
  problems.replaceChildren(
    ...diagnostics.map((d) => {
      const li = document.createElement("li");
      li.className = d.severity;
      li.dataset.code = d.code;
      li.dataset.line = String(d.line);
      const where = document.createElement("button");
      where.textContent = `line ${d.line}`;
      where.onclick = () => {
        editor.dispatch({ selection: { anchor: Math.min(d.from, editor.state.doc.length) }, scrollIntoView: true });
        editor.focus();
      };
      const message = document.createElement("span");
      message.textContent = d.message.startsWith(d.code) ? d.message : `${d.code}: ${d.message}`;
      li.append(where, message);
      return li;
    }),
  );
  $("problems-count").textContent = diagnostics.length ? String(diagnostics.length) : "";
}

async function runNow(): Promise<void> {
  if (editor.state.doc.toString() !== compiledCode) {
    // An edit is pending: compile it first, then run.
    clearTimeout(timer);
    runAfterUpdate = true;
    await update();
    return;
  }
  output.textContent = "";
  output.classList.remove("error");
  plotBox.replaceChildren();
  const errors = state.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) {
    output.textContent = `Not run: ${errors.length} ADJ diagnostic${errors.length > 1 ? "s" : ""} (the markers would throw).`;
    output.classList.add("error");
    return;
  }
  const started = performance.now();
  const result = await run(state.js);
  const ms = performance.now() - started;
  const lines = [...result.logs];
  if (result.error) lines.push(result.error);
  output.textContent = lines.join("\n") || "(nothing logged)";
  output.classList.toggle("error", !!result.error);
  if (result.plot) {
    try {
      // The pane's own size, so the text in the SVG stays at its CSS size.
      const width = Math.max(360, plotBox.clientWidth - 8);
      const height = Math.max(240, plotBox.clientHeight - 8);
      plotBox.append(drawPlot(result.plot, width, height));
    } catch (e) {
      output.textContent += `\nplot: ${format(e)}`;
    }
  } else {
    plotBox.textContent = "Export `plot = { x: [from, to], curves: { name: fn } }` to draw functions of one number.";
  }
  status.textContent = `ran in ${Math.round(ms)} ms`;
  state.runs++;
}

/** The slider is shown when the code has a `const lambda = <number>;` line, and follows it. */
function syncLambda(code: string): void {
  const m = LAMBDA_LINE.exec(code);
  lambdaBox.hidden = !m;
  if (m && document.activeElement !== lambdaInput) {
    lambdaInput.value = m[1]!;
    lambdaValue.textContent = Number(m[1]).toFixed(2);
  }
}

lambdaInput.addEventListener("input", () => {
  const code = editor.state.doc.toString();
  const m = LAMBDA_LINE.exec(code);
  if (!m) return;
  const value = Number(lambdaInput.value).toFixed(2);
  lambdaValue.textContent = value;
  const from = m.index + m[0].indexOf(m[1]!);
  editor.dispatch({ changes: { from, to: from + m[1]!.length, insert: value } });
  runAfterUpdate = true;
});

presetSelect.addEventListener("change", () => {
  const preset = PRESETS.find((p) => p.id === presetSelect.value);
  if (!preset) return;
  runAfterUpdate = true;
  setCode(preset.code);
});

$("run").addEventListener("click", () => void runNow());
$("share").addEventListener("click", async () => {
  const hash = await encodeSession({ preset: presetSelect.value || undefined, code: editor.state.doc.toString() });
  history.replaceState(null, "", hash);
  const url = location.href;
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = "link copied";
  } catch {
    status.textContent = "link in the address bar";
  }
});

// The session: the URL's, or the first preset.
const session = await decodeSession(location.hash);
if (session) {
  presetSelect.value = PRESETS.some((p) => p.id === session.preset) ? session.preset! : "";
  setCode(session.code);
} else {
  presetSelect.value = PRESETS[0]!.id;
  setCode(PRESETS[0]!.code);
}
runAfterUpdate = true;
