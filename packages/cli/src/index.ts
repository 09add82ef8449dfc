export { type BrowserAppStarter, provideBrowserApp } from './commands/app.js';
export { main } from './main.js';
export { VERSION } from './version.js';
