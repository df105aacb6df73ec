// `import adjoint from "adjoint/rspack"`, then `adjoint()` in the rspack config's plugins.
import { unplugin } from "./unplugin";

const adjoint = unplugin.rspack;
// A function that is also its own `default`, so ES module and CommonJS configs both call it.
export = Object.assign(adjoint, { default: adjoint });
