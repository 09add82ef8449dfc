import { describe, expect, it } from 'vitest';
import { APP_NAME } from '../src/index.js';

describe('desktop package', () => {
  it('names the app', () => {
    expect(APP_NAME).toBe('Cryptully');
  });
});
