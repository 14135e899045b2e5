/** The healer's pure core: everything here is deterministic and safe to import from workflow code. */
export { OUTPUT_SCHEMA_NAMES, describeOutputSchema, isOutputSchemaName, outputSchema } from './output-schemas';
export type { OutputSchemaName } from './output-schemas';
export { validateOutput } from './validate';
export type { OutputFaultKind, Validation } from './validate';
export { reaskMessages, stepMessages } from './prompt';
export type { StepPromptInput } from './prompt';
export { repairLocally } from './local-repair';
export type { LocalRepair } from './local-repair';
export { errorSignature, normalizeError, repeats } from './signature';
export { WORKED_EXAMPLES, workedExample } from './examples';
export type { OutputOf } from './examples';
export {
  STRATEGY_LADDER,
  applicableStrategies,
  fallbackModel,
  lowerTemperature,
  reask,
  regenerate,
  rungOf,
} from './strategies';
export type { RepairPlan, StrategyContext, StrategyName, SubStep } from './strategies';
export { assembleSubSteps, canDecompose, decompose, outputFields, validateSubStep } from './decompose';
export { chooseStrategy, successScore } from './chooser';
export type { ChooserInput, StrategyChoice, StrategyStatRow, Tally } from './chooser';
