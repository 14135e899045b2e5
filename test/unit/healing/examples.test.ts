import { WORKED_EXAMPLES, workedExample } from '../../../src/healing/examples';
import { OUTPUT_SCHEMA_NAMES } from '../../../src/healing/output-schemas';
import { validateOutput } from '../../../src/healing/validate';

describe('worked examples', () => {
  test('there is one for every output schema', () => {
    expect(Object.keys(WORKED_EXAMPLES).sort()).toEqual([...OUTPUT_SCHEMA_NAMES].sort());
  });

  test.each(OUTPUT_SCHEMA_NAMES)('the %s example validates against its schema', (schema) => {
    expect(validateOutput(schema, workedExample(schema))).toEqual({ ok: true, value: WORKED_EXAMPLES[schema] });
  });
});
