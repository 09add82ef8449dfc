/** The desktop package's public surface grows with the app; see the package README. */
export const APP_NAME = 'Cryptully';
