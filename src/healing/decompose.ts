import { z } from 'zod';
import { answerFields, outputSchema, OutputSchemaName } from './output-schemas';
import { stepMessages, StepPromptInput } from './prompt';
import type { RepairPlan, SubStep } from './strategies';
import { parseAndCheck, Validation, validateOutput } from './validate';

/** The top-level fields of an output schema, in schema order. */
export function outputFields(schema: OutputSchemaName): string[] {
  return answerFields(schema);
}

/** Decomposing needs at least two fields: one sub-step for one field is the step itself. */
export function canDecompose(schema: OutputSchemaName): boolean {
  return outputFields(schema).length > 1;
}

function fieldSchema(schema: OutputSchemaName, field: string): z.ZodType | undefined {
  const shape: Record<string, z.ZodType> = outputSchema(schema).shape;
  return Object.prototype.hasOwnProperty.call(shape, field) ? shape[field] : undefined;
}

function subStep(input: StepPromptInput, schema: OutputSchemaName, field: string, fieldType: z.ZodType): SubStep {
  const system =
    `You are the ${input.role} agent of mission ${input.missionId}. ` +
    `This step is split into parts; this part produces only the field "${field}" of the answer. ` +
    `Answer with one JSON object of the form { "${field}": ... } and nothing else, ` +
    `where the value matches this JSON Schema: ${JSON.stringify(z.toJSONSchema(fieldType))}`;
  const context = stepMessages({ ...input, outputSchema: schema }).filter((message) => message.role === 'user');
  return { field, messages: [{ role: 'system', content: system }, ...context] };
}

/** Decompose: one sub-step per top-level field of the output schema, assembled afterwards. */
export function decompose(input: StepPromptInput, schema: OutputSchemaName = input.outputSchema): RepairPlan {
  const subSteps = outputFields(schema).flatMap((field) => {
    const fieldType = fieldSchema(schema, field);
    return fieldType ? [subStep(input, schema, field, fieldType)] : [];
  });
  return {
    strategy: 'decompose',
    subSteps,
    note: `decompose into ${subSteps.length} sub-steps: ${subSteps.map((s) => s.field).join(', ')}`,
  };
}

/**
 * Validates one sub-step answer `{ "<field>": ... }` against the field's own schema.
 * On success `value` is the field's value, unwrapped; error paths start with the field.
 */
export function validateSubStep(schema: OutputSchemaName, field: string, raw: string): Validation {
  const fieldType = fieldSchema(schema, field);
  if (!fieldType) return { ok: false, kind: 'schema-violation', errors: [`${field}: not a field of the ${schema} schema`] };
  const checked = parseAndCheck(z.object({ [field]: fieldType }), raw);
  return checked.ok ? { ok: true, value: (checked.value as Record<string, unknown>)[field] } : checked;
}

/** Merges sub-step values (field → value) in schema order and validates the whole answer. */
export function assembleSubSteps(schema: OutputSchemaName, parts: Record<string, unknown>): Validation {
  const whole: Record<string, unknown> = {};
  for (const field of outputFields(schema)) {
    if (Object.prototype.hasOwnProperty.call(parts, field)) whole[field] = parts[field];
  }
  return validateOutput(schema, JSON.stringify(whole));
}
