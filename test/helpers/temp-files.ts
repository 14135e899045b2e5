import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh temp folder for each test of the file that calls it; what `open` opens there is closed
 * and the folder removed after each test.
 */
export function useTempFiles<T extends { close(): void }, O>(prefix: string, defaultName: string, openFile: (file: string, options?: O) => T) {
  let dir = '';
  let opened: T[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    opened = [];
  });
  afterEach(() => {
    opened.forEach((o) => o.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    path: (name: string) => path.join(dir, name),
    dir: () => dir,
    open(name = defaultName, options?: O): T {
      const handle = openFile(path.join(dir, name), options);
      opened.push(handle);
      return handle;
    },
  };
}
