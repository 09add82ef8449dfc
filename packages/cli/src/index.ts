export { main } from './main.js';
export { VERSION } from './version.js';
