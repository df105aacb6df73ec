// `import adjoint from "adjoint/rolldown"`, then `adjoint()` in the rolldown config's plugins.
import { unplugin } from "./unplugin";

const adjoint = unplugin.rolldown;
// A function that is also its own `default`, so ES module and CommonJS configs both call it.
export = Object.assign(adjoint, { default: adjoint });
