export { createActivities, type Activities, type ActivityDeps } from './activities.js';
