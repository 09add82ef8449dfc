/**
 * The renderer's entry point (bundled by esbuild into `dist/renderer/app.js`).
 * @module
 */
import { render } from 'preact';
import { connectClient } from './client.js';
import { App } from './views/app.js';

const root = document.getElementById('app');
const client = connectClient();
if (root) {
  if (client) {
    render(<App client={client} />, root);
  } else {
    render(
      <main class="loading">
        <p>
          This page needs the address printed by <code>cryptully-desktop --web</code>, including its
          access key. Open that address again.
        </p>
      </main>,
      root,
    );
  }
}
