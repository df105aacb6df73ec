// `import adjoint from "adjoint/rollup"`, then `adjoint()` in the rollup config's plugins.
import { unplugin } from "./unplugin";

const adjoint = unplugin.rollup;
// A function that is also its own `default`, so ES module and CommonJS configs both call it.
export = Object.assign(adjoint, { default: adjoint });
