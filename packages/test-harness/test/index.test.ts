import { describe, expect, it } from 'vitest';
import { HARNESS_NAME } from '../src/index.js';

describe('test harness package', () => {
  it('is importable', () => {
    expect(HARNESS_NAME).toBe('@cryptully/test-harness');
  });
});
