// `import adjoint from "adjoint/esbuild"`, then `adjoint()` in the esbuild config's plugins.
import { unplugin } from "./unplugin";

const adjoint = unplugin.esbuild;
// A function that is also its own `default`, so ES module and CommonJS configs both call it.
export = Object.assign(adjoint, { default: adjoint });
