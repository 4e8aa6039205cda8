export { createActivities, type Activities, type ActivityDeps } from './activities.js';
export type { AssignRequest, Assignment, AssignedAeProfile } from '../src/domain/routing.js';
