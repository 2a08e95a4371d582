export {
  ID,
  alloOptionsSchema,
  alloSchedulePlugin,
  alloStages,
  createAlloSchedule,
} from './allo.js';
export type { AlloScheduleOptions, AlloStageOptions } from './allo.js';
