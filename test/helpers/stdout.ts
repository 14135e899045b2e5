/** Runs `action` with process.stdout captured, and returns what it printed. */
export async function captureStdout(action: () => Promise<unknown>): Promise<string> {
  let printed = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    await action();
  } finally {
    spy.mockRestore();
  }
  return printed;
}
