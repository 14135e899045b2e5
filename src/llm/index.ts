import { DreamConfig } from '../config';
import { DreamError } from '../errors';
import { OpenAIProvider } from './openai';
import { ModelProvider, SimOptions } from './provider';
import { SimModel, SimProvider } from './sim';

export * from './provider';
export { ModelError } from './errors';

/** Which provider a config selects: `openai` needs a key unless the base URL is local. */
export function selectedProvider(config: DreamConfig): 'openai' | 'sim' {
  if (config.model.provider !== 'auto') return config.model.provider;
  return config.model.apiKey ? 'openai' : 'sim';
}

/** Builds the configured provider. `simDefaults` are the worker's own fault settings. */
export function createProvider(config: DreamConfig, simDefaults: SimOptions = {}): ModelProvider {
  if (selectedProvider(config) === 'sim') {
    const defaults = { faults: config.model.simFaults, latencyMs: config.model.simLatencyMs, ...simDefaults };
    return new SimProvider(new SimModel({ ...defaults, seed: simDefaults.seed ?? config.model.simSeed }), config.model.timeoutMs);
  }
  if (!config.model.apiKey && config.model.baseUrl.startsWith('https://api.openai.com')) {
    throw new DreamError('MODEL_KEY_MISSING', 'DREAMOS_MODEL_PROVIDER=openai but no API key is set.', 'Set DREAMOS_MODEL_API_KEY (or OPENAI_API_KEY), or use DREAMOS_MODEL_PROVIDER=sim.');
  }
  return new OpenAIProvider({ baseUrl: config.model.baseUrl, apiKey: config.model.apiKey, model: config.model.name, timeoutMs: config.model.timeoutMs });
}
