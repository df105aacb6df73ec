// `import adjoint from "adjoint/vite"`, then `adjoint()` in the vite config's plugins.
import { unplugin } from "./unplugin";

const adjoint = unplugin.vite;
// A function that is also its own `default`, so ES module and CommonJS configs both call it.
export = Object.assign(adjoint, { default: adjoint });
