// The six steps every playbook walks, in order (PRODUCT.md). A module of its own so that ledger
// commands can name them without loading the playbook schema.
export const STEP_IDS = ['scope', 'risk', 'ownership', 'evidence', 'build-scope', 'post-release'] as const;
export type StepId = (typeof STEP_IDS)[number];
