export { ID, createSftSchedule, sftOptionsSchema, sftSchedulePlugin, sftStages } from './sft.js';
export type { SftScheduleOptions } from './sft.js';
