/** The parameter-space package: the schema, the `--param` grammar, and the unit-cube codec. */
export * from "./encode";
export * from "./parse";
export * from "./schema";
