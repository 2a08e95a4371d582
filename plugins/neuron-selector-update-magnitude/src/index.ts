export { ID, createUpdateMagnitudeSelector, updateMagnitudePlugin } from './update-magnitude.js';
export type { UpdateMagnitudeOptions } from './update-magnitude.js';
