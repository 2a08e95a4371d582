// tfjs-core ships gradients and chained ops as side-effect modules; allo trains, so it needs the
// gradients registered once, before any tape runs.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
