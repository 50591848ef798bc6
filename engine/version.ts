/** The engine's version, reported by the health route. Kept in step with package.json. */
export const ENGINE_VERSION = '0.1.0';
