import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes shown as columns and filters in the Temporal Web UI.
 * The embedded dev server registers them at start (`--search-attribute Name=Type`);
 * on a cluster run `dreamos setup search-attributes` once (see README).
 */
export const SA = {
  role: defineSearchAttributeKey('DreamRole', SearchAttributeType.KEYWORD),
  mission: defineSearchAttributeKey('DreamMission', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('DreamStatus', SearchAttributeType.KEYWORD),
  healAttempts: defineSearchAttributeKey('DreamHealAttempts', SearchAttributeType.INT),
  escalated: defineSearchAttributeKey('DreamEscalated', SearchAttributeType.BOOL),
  tokens: defineSearchAttributeKey('DreamTokens', SearchAttributeType.INT),
} as const;

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_FLAGS: readonly string[] = Object.values(SA).map(
  (key) => `${key.name}=${key.type === SearchAttributeType.KEYWORD ? 'Keyword' : key.type === SearchAttributeType.INT ? 'Int' : 'Bool'}`,
);
