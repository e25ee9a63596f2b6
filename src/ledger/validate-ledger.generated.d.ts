// Types of the validator that scripts/generate-validators.mjs generates from event-schema.ts.
export interface ValidationError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export declare const validateEvent: ((data: unknown) => boolean) & { errors?: ValidationError[] | null };
