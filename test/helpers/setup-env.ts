import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep test output readable: library logs at warn, the SDK's at error, unless a run asks for more.
process.env.DREAMOS_LOG_LEVEL ??= 'warn';
Runtime.install({ logger: new DefaultLogger((process.env.DREAMOS_SDK_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR'), shutdownSignals: [] });
