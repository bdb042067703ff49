/** Warren's version, reported in server-properties and by warrenctl. Keep in step with package.json. */
export const WARREN_VERSION = "0.1.0";
