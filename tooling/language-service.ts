// The editor's view of adjoint: a TypeScript language-service plugin that adds the
// transformer's ADJ diagnostics to a file's semantic diagnostics, so a refused construct
// is underlined as you type. tsconfig.json:
//   "plugins": [{ "transform": "adjoint/transform", "name": "adjoint/language-service" }]
// (ts-patch reads "transform", the language service "name"; one entry serves both).
import ts from "typescript";
import { createAdjointTransform, type AdjointTransform } from "../transformer";

type TypeScriptModule = typeof ts;

function init(modules: { typescript: TypeScriptModule }): ts.server.PluginModule {
  return {
    create(info) {
      const service = info.languageService;
      // The transformer reads the editor's program with adjoint's own TypeScript; the two
      // must agree on syntax kinds, which only the same minor version guarantees.
      if (modules.typescript.versionMajorMinor !== ts.versionMajorMinor) {
        info.project.projectService.logger.info(
          `adjoint: the editor runs TypeScript ${modules.typescript.version}, adjoint's diagnostics need ${ts.versionMajorMinor}; ` +
            "select the workspace's TypeScript version in the editor.",
        );
        return service;
      }
      let last: { program: ts.Program; transform: AdjointTransform } | undefined;
      const adjointDiagnostics = (fileName: string): ts.Diagnostic[] => {
        const program = service.getProgram();
        if (!program) return [];
        try {
          if (last?.program !== program) last = { program, transform: createAdjointTransform(program) };
        } catch (e) {
          info.project.projectService.logger.info(`adjoint: ${e instanceof Error ? e.stack : String(e)}`);
          return [];
        }
        const file = program.getSourceFile(fileName);
        return last.transform.diagnostics.filter((d) => d.file === file);
      };
      return new Proxy(service, {
        get(target, key, receiver) {
          if (key === "getSemanticDiagnostics")
            return (fileName: string) => [...target.getSemanticDiagnostics(fileName), ...adjointDiagnostics(fileName)];
          return Reflect.get(target, key, receiver);
        },
      });
    },
  };
}

export = init;
