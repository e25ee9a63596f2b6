// Constants of the ledger format, shared by its schema and the code that reads it.
export const LEDGER_SCHEMA_VERSION = 2;

export const FIELD_NAMES = ['outcome', 'inScope', 'outOfScope', 'filter', 'windowStart', 'windowEnd', 'postLaunchOwner'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

export const CHECKPOINT_KINDS = ['weekly', 'midpoint', 'retrospective', 'milestone'] as const;
