import { existsSync } from 'node:fs';
import { profilePath } from '@cryptully/core/storage';

/** True once a display name was chosen (first run is over): `<home>/profile.json` exists. */
export function hasProfile(home: string): boolean {
  return existsSync(profilePath(home));
}
