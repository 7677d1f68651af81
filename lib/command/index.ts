/** Turning a search's command and a trial's values into the argv that trial runs. */
export * from "./substitute";
