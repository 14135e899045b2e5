// Keep test output readable: library logs at warn unless a run asks for more.
process.env.DREAMOS_LOG_LEVEL ??= 'warn';
