export { createActivities, type Activities, type ActivityDeps } from './activities.js';
export type { Assignment, AssignedAeProfile } from './routing.js';
