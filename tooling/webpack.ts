// `import adjoint from "adjoint/webpack"`, then `adjoint()` in the webpack config's plugins.
import { unplugin } from "./unplugin";

const adjoint = unplugin.webpack;
// A function that is also its own `default`, so ES module and CommonJS configs both call it.
export = Object.assign(adjoint, { default: adjoint });
