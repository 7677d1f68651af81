/** Acquisition functions (UCB, log-EI) and their optimizer over the unit cube. */
export * from "./functions";
export * from "./optimize";
