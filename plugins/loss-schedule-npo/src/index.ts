export { ID, createNpoSchedule, npoOptionsSchema, npoSchedulePlugin, npoStages } from './npo.js';
export type { NpoScheduleOptions } from './npo.js';
