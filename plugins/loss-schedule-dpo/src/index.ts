export { ID, createDpoSchedule, dpoOptionsSchema, dpoSchedulePlugin, dpoStages } from './dpo.js';
export type { DpoScheduleOptions } from './dpo.js';
