export { handoff } from './handoff.js';
