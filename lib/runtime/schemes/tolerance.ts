/** The library's replay window where a sender signs a timestamp but documents none. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
