export {
  ID,
  createGradientMagnitudeSelector,
  gradientMagnitudePlugin,
} from './gradient-magnitude.js';
export type { GradientMagnitudeOptions } from './gradient-magnitude.js';
